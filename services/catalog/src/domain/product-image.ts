// Product pictures drawn as SVG from the product itself: shapes and colours follow from the sku,
// so a product always looks the same, and the shop needs no image files or external hosts. The
// name is printed on the picture; it comes from admins, so it is escaped like any text in markup.
import type { Product } from '@trio/contracts/catalog';
import { createRandom, hashText } from '@trio/demo-data/random';
import { type CatalogDeps, getProduct } from './products.ts';

export function productImagePath(sku: string): string {
  return `/images/products/${sku}.svg`;
}

const size = 400;

/** Text safe inside XML elements and attributes; control characters (most are invalid XML) are dropped. */
export function escapeXml(text: string): string {
  return text.replace(/\p{Cc}/gu, '').replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Splits a name into at most two lines of about `width` characters, with an ellipsis when cut. */
function nameLines(name: string, width = 22): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of name.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  const shown = lines.slice(0, 2);
  if (lines.length > 2) shown[1] = `${shown[1]} …`;
  return shown.map((text) => (text.length > width ? `${text.slice(0, width - 1)}…` : text));
}

export function renderProductImage(product: Pick<Product, 'sku' | 'name'>): string {
  const random = createRandom(hashText(product.sku));
  const hue = random.int(0, 359);
  const colour = (lightness: number) => `hsl(${(hue + random.int(-40, 40) + 360) % 360} 65% ${lightness}%)`;
  const shapes: string[] = [];
  for (let i = random.int(3, 6); i > 0; i -= 1) {
    const x = random.int(40, size - 40);
    const y = random.int(40, size - 140);
    const extent = random.int(30, 110);
    const fill = colour(random.int(45, 75));
    const kind = random.pick(['circle', 'square', 'triangle'] as const);
    if (kind === 'circle') shapes.push(`<circle cx="${x}" cy="${y}" r="${extent / 2}" fill="${fill}"/>`);
    else if (kind === 'square') {
      const angle = random.int(0, 89);
      shapes.push(
        `<rect x="${x - extent / 2}" y="${y - extent / 2}" width="${extent}" height="${extent}" rx="8" ` +
          `fill="${fill}" transform="rotate(${angle} ${x} ${y})"/>`,
      );
    } else {
      const points = [
        [x, y - extent / 2],
        [x + extent / 2, y + extent / 2],
        [x - extent / 2, y + extent / 2],
      ];
      shapes.push(`<polygon points="${points.map((point) => point.join(',')).join(' ')}" fill="${fill}"/>`);
    }
  }
  const text = nameLines(product.name)
    .map((line, index) => `<tspan x="24" dy="${index === 0 ? 0 : 30}">${escapeXml(line)}</tspan>`)
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" role="img">`,
    `<title>${escapeXml(product.name)}</title>`,
    `<rect width="${size}" height="${size}" fill="hsl(${hue} 45% 92%)"/>`,
    ...shapes,
    `<rect y="${size - 110}" width="${size}" height="110" fill="hsl(${hue} 30% 20%)" opacity="0.85"/>`,
    `<text y="${size - 72}" font-family="sans-serif" font-size="24" fill="#fff">${text}</text>`,
    `<text x="24" y="${size - 16}" font-family="monospace" font-size="14" fill="#ddd">${escapeXml(product.sku)}</text>`,
    '</svg>',
  ].join('\n');
}

/** The picture of a product that exists (404 otherwise), drawn from its cached version. */
export async function getProductImage(deps: CatalogDeps, sku: string): Promise<string> {
  return renderProductImage(await getProduct(deps, sku));
}
