// Renders the installable app's icons (web/public/icons) from the favicon's drawing with headless
// Chromium: 192 and 512 px with rounded corners ("any"), and a 512 px maskable one whose chart line
// stays inside the centre 80 % a phone's mask keeps.
// Usage: npx tsx scripts/make-icons.ts (after changing web/public/favicon.svg's design)
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const out = fileURLToPath(new URL('../web/public/icons/', import.meta.url));
const LINE = 'M5 22l7-7 5 4 10-10';
const TEAL = '#0f766e';

/** The favicon's drawing; a maskable one fills the square and draws the line at 70 % around the centre. */
function svg(size: number, maskable: boolean): string {
  const scale = maskable ? 0.7 : 1;
  const offset = (32 - 32 * scale) / 2;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 32 32">
    <rect width="32" height="32" rx="${maskable ? 0 : 6}" fill="${TEAL}"/>
    <g transform="translate(${offset} ${offset}) scale(${scale})">
      <path d="${LINE}" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>
    </g></svg>`;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const page = await browser.newPage();
for (const [name, size, maskable] of [
  ['icon-192.png', 192, false],
  ['icon-512.png', 512, false],
  ['icon-maskable-512.png', 512, true],
] as const) {
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(
    `<html><body style="margin:0;background:transparent">${svg(size, maskable)}</body></html>`,
  );
  writeFileSync(`${out}${name}`, await page.screenshot({ omitBackground: true, type: 'png' }));
  console.log(`wrote web/public/icons/${name}`);
}
await browser.close();
