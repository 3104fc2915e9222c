// The bundled example's chat page in a real browser: Debian's Chromium through playwright-core, two pages on
// the page the gateway serves (GET /dev/chat), each connected to the WebSocket API; what one sends shows in
// both. Skipped, saying so, where /usr/bin/chromium is not installed.

import { before, after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startGateway, type TestGateway } from '../helpers.js'

const CHROMIUM = '/usr/bin/chromium'
const EXAMPLE = fileURLToPath(new URL('../../examples/gatehouse.yaml', import.meta.url))
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed (apt-get install chromium to run this test)`

describe('the example chat page in Chromium', { skip }, () => {
  let gw: TestGateway
  let browser: Browser

  before(async () => {
    gw = await startGateway({ configFile: EXAMPLE })
    browser = await chromium.launch({ executablePath: CHROMIUM })
  })

  after(async () => {
    await browser?.close()
    await gw?.stop()
  })

  async function join(name: string): Promise<Page> {
    const page = await browser.newPage()
    await page.goto(`http://localhost:${gw.port}/dev/chat?name=${name}`)
    await page.click('#connect')
    await page.locator('#status', { hasText: /^connected$/ }).waitFor()
    return page
  }

  async function say(page: Page, text: string): Promise<void> {
    await page.fill('#message', text)
    await page.click('#send')
  }

  const said = (page: Page, line: string) => page.locator('#log li', { hasText: line }).waitFor()

  it('shows a message sent from one page in both, and the answer in both', async () => {
    const ada = await join('ada')
    const bo = await join('bo')
    // The page took its WebSocket URL from where it was served: the bare host, the stage of the chat API.
    assert.equal(await ada.inputValue('#url'), `ws://localhost:${gw.port}/production`)
    await say(ada, 'hello from ada')
    await Promise.all([said(ada, 'ada: hello from ada'), said(bo, 'ada: hello from ada')])
    await say(bo, 'hi ada, bo here')
    await Promise.all([said(ada, 'bo: hi ada, bo here'), said(bo, 'bo: hi ada, bo here')])
    assert.deepEqual(await ada.locator('#log li').allTextContents(), ['ada: hello from ada', 'bo: hi ada, bo here'])
    assert.deepEqual(await bo.locator('#log li').allTextContents(), ['ada: hello from ada', 'bo: hi ada, bo here'])
    // The message box is cleared once sent.
    assert.equal(await ada.inputValue('#message'), '')
  })
})
