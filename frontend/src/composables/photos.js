/**
 * Responsive pictures of products (CONTRACT.md, API.md "products"): an uploaded photo comes in several
 * widths, `sizes: {"400": url, "1200": url}`; a product without photos has the generated artwork, one URL
 * that scales (SVG). These turn the one or the other into what an <img> needs: `src`, `srcset`, `sizes`.
 */

/** `srcset` of a photo's sizes, narrowest first (`"a.webp 400w, b.webp 1200w"`); a width the photo does not
 * reach (`maxWidth`, its own width) is not claimed. '' when there are no sizes. */
export function srcsetOf(sizes, maxWidth = Infinity) {
  const seen = new Map()
  for (const [key, url] of Object.entries(sizes ?? {})) {
    const width = Math.min(Number.parseInt(key, 10), maxWidth)
    if (!url || !Number.isFinite(width) || width <= 0) continue
    if (!seen.has(width)) seen.set(width, url)
  }
  return [...seen].sort(([a], [b]) => a - b).map(([width, url]) => `${url} ${width}w`).join(', ')
}

/** The URL of the narrowest size, the `src` for a browser that ignores `srcset` and for small slots. */
export function smallestOf(sizes) {
  const entries = Object.entries(sizes ?? {}).filter(([key, url]) => url && Number.parseInt(key, 10) > 0)
  entries.sort(([a], [b]) => Number.parseInt(a, 10) - Number.parseInt(b, 10))
  return entries[0]?.[1] ?? null
}

/**
 * How wide the slots are, for `sizes` (the browser picks a size before layout): the catalogue grid has 2
 * columns on phones, 3 from 800 px and 4 from 1080 px in a container of at most 1280 px
 * (CatalogueView.vue); the product page's picture is the whole width on phones, half from 560 px and
 * 1.15 of 2.15 parts of the container from 1080 px (ProductView.vue).
 */
export const SLOTS = {
  card: '(min-width: 1080px) min(25vw, 310px), (min-width: 800px) 33vw, 50vw',
  gallery: '(min-width: 1080px) min(54vw, 680px), (min-width: 560px) 50vw, 100vw',
  thumb: '72px',
}

/** The <img> attributes of a card: its first photo's sizes when it has photos, else its artwork. */
export function cardPicture(product, slot = SLOTS.card) {
  const srcset = srcsetOf(product?.image_sizes)
  if (!srcset) return { src: product?.image ?? '' }
  return { src: smallestOf(product.image_sizes), srcset, sizes: slot }
}

/**
 * The pictures of a product's page: its photos (each with `srcset`, and its own width and height so the
 * page reserves the space), or, without photos, its artwork URLs (`images`, else the card's `image`).
 */
export function galleryPictures(product) {
  if (product?.photos?.length) {
    return product.photos.map((photo) => ({
      key: `photo-${photo.id}`,
      src: photo.url,
      srcset: srcsetOf(photo.sizes, photo.width || Infinity),
      width: photo.width || 800,
      height: photo.height || 1000,
    }))
  }
  const urls = product?.images?.length ? product.images : product?.image ? [product.image] : []
  return urls.map((url) => ({ key: url, src: url, srcset: '', width: 800, height: 1000 }))
}
