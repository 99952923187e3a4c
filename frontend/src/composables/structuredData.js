/**
 * schema.org structured data of the storefront's pages, as JSON-LD (https://schema.org/Product): what search
 * engines read off a product page to show its price and whether it can be bought. Pure functions of the API's
 * product detail and the shop's origin, so that a test can read exactly what a crawler would.
 */

const IN_STOCK = 'https://schema.org/InStock'
const OUT_OF_STOCK = 'https://schema.org/OutOfStock'

const availability = (inStock) => (inStock ? IN_STOCK : OUT_OF_STOCK)
const absolute = (url, origin) => new URL(url, origin).href

/** The path of a product's own page (the router's `/products/:slug`), its canonical address. */
export const productPath = (product) => `/products/${encodeURIComponent(product.slug)}`

/**
 * A product detail as a schema.org `Product`: its name, description, pictures, category, brand (the `brand`
 * attribute when it has one) and its offers: one `Offer` when every variant costs the same, else an
 * `AggregateOffer` from the lowest price to the highest with each variant's own `Offer` (its SKU, price and
 * stock). Prices stay the API's decimal strings: never a float's rounding.
 */
export function productJsonLd(product, origin) {
  const url = absolute(productPath(product), origin)
  const variants = product.variants?.length ? product.variants : [{ price: product.price, in_stock: product.in_stock }]
  const prices = variants.map((v) => v.price)
  const byValue = (a, b) => Number(a) - Number(b)
  const [low, high] = [[...prices].sort(byValue)[0], [...prices].sort(byValue).at(-1)]
  const currency = product.currency
  const images = product.images?.length ? product.images : product.image ? [product.image] : []
  const offers =
    Number(low) === Number(high)
      ? { '@type': 'Offer', url, price: low, priceCurrency: currency, availability: availability(product.in_stock) }
      : {
          '@type': 'AggregateOffer',
          url,
          lowPrice: low,
          highPrice: high,
          priceCurrency: currency,
          offerCount: variants.length,
          availability: availability(product.in_stock),
          offers: variants.map((v) => ({
            '@type': 'Offer',
            ...(v.sku ? { sku: v.sku } : {}),
            ...(v.label ? { name: v.label } : {}),
            price: v.price,
            priceCurrency: currency,
            availability: availability(v.in_stock ?? v.stock > 0),
          })),
        }
  const brand = product.attributes?.brand
  return {
    '@context': 'https://schema.org',
    '@type': 'Product',
    name: product.name,
    ...(product.description ? { description: product.description } : {}),
    url,
    ...(images.length ? { image: images.map((src) => absolute(src, origin)) } : {}),
    ...(variants.length === 1 && variants[0].sku ? { sku: variants[0].sku } : {}),
    ...(product.category?.name ? { category: product.category.name } : {}),
    ...(brand ? { brand: { '@type': 'Brand', name: brand } } : {}),
    offers,
  }
}
