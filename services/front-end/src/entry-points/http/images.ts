// Product pictures, drawn by the shop itself (no CDN, no external asset): catalog names each
// product's image path, and this route answers every path under /images/products/ with an SVG
// whose colours come from the file name, so a product always looks the same.
import { createHash } from 'node:crypto';
import escapeHtml from 'escape-html';
import type { Express } from 'express';

const fileName = /^[A-Za-z0-9._~-]{1,120}\.svg$/;

export function imageRoutes(app: Express): void {
  app.get('/images/products/:file', (req, res) => {
    const file = req.params.file;
    if (!fileName.test(file)) {
      res.status(404).type('text/plain').send('No such image');
      return;
    }
    const stem = file.slice(0, -4);
    const digest = createHash('sha256').update(stem).digest();
    const hue = (digest[0]! * 360) / 256;
    const hue2 = (hue + 40 + (digest[1]! % 80)) % 360;
    const label = escapeHtml(
      stem
        .replace(/[-_]\d+$/, '')
        .replace(/[-_.]/g, ' ')
        .slice(0, 24),
    );
    res
      .type('image/svg+xml')
      .set('cache-control', 'public, max-age=86400')
      .send(
        `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 300" role="img" aria-label="${label}">` +
          `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">` +
          `<stop offset="0" stop-color="hsl(${hue.toFixed(0)} 55% 62%)"/>` +
          `<stop offset="1" stop-color="hsl(${hue2.toFixed(0)} 60% 42%)"/></linearGradient></defs>` +
          `<rect width="400" height="300" fill="url(#g)"/>` +
          `<circle cx="${120 + (digest[2]! % 160)}" cy="${90 + (digest[3]! % 120)}" r="${40 + (digest[4]! % 50)}" fill="#fff" fill-opacity=".18"/>` +
          `<text x="200" y="165" text-anchor="middle" font-family="system-ui, sans-serif" font-size="30" fill="#fff">${label}</text>` +
          `</svg>`,
      );
  });
}
