/** Below this many units a variant is "low" on the dashboard (GET /api/products/?stock_below=). */
export const LOW_STOCK_BELOW = 5
