// The HTTP and WebSocket API (apigatewayv2) operations' routes.

import type { Route } from '../router.js'

export const V2_ROUTES: Route[] = []
