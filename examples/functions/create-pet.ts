// A non-proxy (AWS) Lambda integration in TypeScript: the request template builds the event, the response
// template shapes the answer, and errors are mapped to status codes by their message.
interface NewPet {
  name: string
  type: 'dog' | 'cat' | 'fish'
  price: number
  requestedBy: string
}

let nextId = 4

export async function handler(event: NewPet): Promise<{ id: number; name: string; type: string; price: number }> {
  if (event.name.toLowerCase() === 'godzilla') throw new Error('Conflict: that pet is not for sale')
  return { id: nextId++, name: event.name, type: event.type, price: event.price }
}
