/**
 * The playground in a real browser: Debian's Chromium, driven by playwright-core (never a browser
 * download). Opens the built page, picks spirals and leaky_relu, clicks Train, waits until the
 * accuracy passes 0.9, checks that the page kept answering while it trained, that the boundary
 * canvas holds both class colours, that the curves and the dead-unit readout are drawn, and
 * saves a screenshot to test/browser/artifacts/playground.png.
 *
 *   npm run test:browser       (builds the page, checks the bundles, runs this)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { serveStatic } from './serve';

const ROOT = path.join(__dirname, '..', '..');
const SITE = path.join(ROOT, 'playground', 'dist');
const ARTIFACTS = path.join(__dirname, 'artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** How long training may take to pass accuracy 0.9 (it takes a few seconds). */
const TRAIN_BOUND_MS = 60_000;
/** The page must answer a script call within this while it trains. */
const RESPONSIVE_MS = 1_000;

let passed = 0;
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`playground test: ${what}`);
  passed++;
  console.log(`ok   ${what}`);
}

/** Share of the canvas's pixels near each class colour (orange, class 0; blue, class 1). */
async function boundaryColours(page: Page): Promise<{ orange: number; blue: number }> {
  return page.evaluate(() => {
    const canvas = document.getElementById('boundary') as HTMLCanvasElement;
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let orange = 0;
    let blue = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, b] = [data[i], data[i + 2]];
      if (r > b + 60) orange++;
      else if (b > r + 60) blue++;
    }
    const pixels = data.length / 4;
    return { orange: orange / pixels, blue: blue / pixels };
  });
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(SITE, 'index.html'))) throw new Error('playground test: playground/dist is missing; run npm run playground:build first.');
  if (!fs.existsSync(CHROMIUM)) throw new Error(`playground test: no browser at ${CHROMIUM}; install Debian's chromium (apt-get install -y chromium).`);
  const { server, url } = await serveStatic(SITE);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'layerwise-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1320, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-default-apps'],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));

    await page.goto(url);
    await page.selectOption('#dataset', 'spirals');
    await page.selectOption('#activation', 'leaky_relu');
    check(await page.isVisible('#alpha'), 'the alpha slider shows for leaky_relu');
    const before = await boundaryColours(page);

    const started = Date.now();
    await page.click('#train');
    let slowest = 0;
    let accuracy = 0;
    while (accuracy <= 0.9) {
      if (Date.now() - started > TRAIN_BOUND_MS) throw new Error(`playground test: accuracy ${accuracy} after ${TRAIN_BOUND_MS} ms, not above 0.9`);
      const asked = Date.now();
      accuracy = await page.evaluate(() => Number(document.getElementById('accuracy')!.dataset.value));
      slowest = Math.max(slowest, Date.now() - asked);
      await page.waitForTimeout(100);
    }
    const seconds = (Date.now() - started) / 1000;
    const epoch = await page.textContent('#epoch');
    check(true, `accuracy ${accuracy.toFixed(3)} > 0.9 after ${seconds.toFixed(1)} s (epoch ${epoch})`);
    check(slowest < RESPONSIVE_MS, `the page answered within ${slowest} ms while training (bound ${RESPONSIVE_MS} ms)`);

    await page.waitForTimeout(1500); // let it train on a little, for the screenshot
    await page.click('#train');
    await page.waitForSelector('body[data-state="idle"]', { timeout: 5_000 });
    check(true, 'Pause stops training');

    const after = await boundaryColours(page);
    check(after.orange > 0.15 && after.blue > 0.15, `the boundary canvas shows both classes (orange ${after.orange.toFixed(2)}, blue ${after.blue.toFixed(2)}; before training ${before.orange.toFixed(2)}, ${before.blue.toFixed(2)})`);
    check((await page.locator('#curves svg path').count()) >= 2, 'the loss and accuracy curves are drawn');
    const rows = await page.locator('#dead .dead-row').count();
    check(rows === 2, `the dead-unit readout has a row per hidden layer (${rows})`);

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, 'playground.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${path.relative(ROOT, shot)}`);
    check(errors.length === 0, `no error on the page${errors.length ? ': ' + errors.join('; ') : ''}`);
  } finally {
    await context.close();
    server.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(`${passed} passed, 0 failed`);
}

main().catch((error: Error) => {
  console.error(error.message);
  console.log(`${passed} passed, 1 failed`);
  process.exit(1);
});
