// Real-browser test of the LIS1 portal: headless Debian Chromium driven by playwright-core, with
// axe-core accessibility checks (WCAG 2.1 A/AA) on every page a user reaches.
//
// Usage: BASE_URL=http://127.0.0.1:18080 node tests/browser/run.mjs
// (scripts/browser-test builds the binary, starts a throw-away demo server and runs this.)
// Prints `ok - name` / `not ok - name: reason` per case and ends with `N passed, N failed`;
// exits non-zero on any failure. Screenshots go to tests/browser/out/ (gitignored).

import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:18080').replace(/\/$/, '');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUT = join(dirname(fileURLToPath(import.meta.url)), 'out');
const PASSWORD = 'demo-lis1';
const BASE_HOST = new URL(BASE_URL).host;

let passed = 0;
let failed = 0;

/** Runs one named case; a failure is reported and counted, and the run goes on. */
async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
    if (process.env.VERBOSE) console.error(`   ${Date.now() - t0} ms`);
  } catch (e) {
    failed++;
    const reason = String(e && e.message ? e.message : e).replace(/\s+$/, '');
    console.log(`not ok - ${name}: ${reason}`);
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

const path = (page) => new URL(page.url()).pathname + new URL(page.url()).search;

/** Navigates and asserts the HTTP status (the server answers 404/403 with a full HTML page). */
async function visit(page, url, status = 200) {
  const resp = await page.goto(BASE_URL + url, { waitUntil: 'load' });
  assert(resp, `no response for ${url}`);
  assert(resp.status() === status, `GET ${url} answered ${resp.status()}, expected ${status}`);
  return resp;
}

/** Injects axe-core and fails with a developer-readable list of WCAG 2.1 A/AA violations. */
async function axe(page) {
  // `page.addScriptTag({ path })` would insert an inline <script>, which the portal's CSP
  // (script-src 'self') rightly blocks; the DevTools protocol's evaluate is not subject to CSP, so
  // the page keeps its real policy and CSP violations stay visible to the test.
  const has = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!has) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags } }),
    AXE_TAGS,
  );
  // A check that cannot fail is no check: axe must actually have evaluated rules on the page.
  assert(result.passes.length > 0, `axe evaluated no rules on ${path(page)}`);
  const v = result.violations;
  if (v.length === 0) return;
  const lines = v.map((r) => {
    const n = r.nodes[0] || {};
    const summary = (n.failureSummary || '').replace(/\s*\n\s*/g, ' ');
    return `    [${r.id}] (${r.impact}) ${r.help} – ${r.nodes.length} node(s); first: ${JSON.stringify(n.target)}: ${summary} (${r.helpUrl})`;
  });
  throw new Error(`${v.length} axe violation(s) on ${path(page)}\n${lines.join('\n')}`);
}

/** Fails when the page itself scrolls sideways, naming the elements that stick out. */
async function noSidewaysScroll(page) {
  const wide = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return null;
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 0.5 && !el.parentElement.closest('.app-table-wrap')) {
        out.push(`${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''} (right edge ${Math.round(r.right)})`);
      }
    }
    return `page is ${document.documentElement.scrollWidth} px wide in a ${width} px window: ${out.slice(0, 5).join(', ')}`;
  });
  assert(wide === null, wide);
}

async function bodyText(page) {
  return page.locator('body').innerText();
}

async function signIn(page, email, password = PASSWORD) {
  await visit(page, '/logg-inn');
  // Typed key by key, as a person would (fires the same input events).
  await page.locator('#email').pressSequentially(email);
  await page.locator('#password').pressSequentially(password);
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.locator('main form button[type=submit]').click(),
  ]);
}

async function signOut(page) {
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.locator('header form[action="/logg-ut"] button[type=submit]').click(),
  ]);
}

async function sessionCookies(context) {
  return (await context.cookies(BASE_URL)).filter((c) => c.name === 'lis1_session');
}

/** `YYYY-MM-DDTHH:MM` + days, as a datetime-local value (calendar arithmetic, no time zone). */
function addDays(local, days) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
  assert(m, `not a datetime-local value: ${JSON.stringify(local)}`);
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3] + days, +m[4], +m[5]));
  return d.toISOString().slice(0, 16);
}

/** Submits the round form with `#application_deadline` set `days` after the announcement. */
async function submitRoundWithDeadline(page, days) {
  const announcement = await page.locator('#announcement').inputValue();
  const deadline = addDays(announcement, days);
  await page.locator('#application_deadline').fill(deadline);
  assert(
    (await page.locator('#application_deadline').inputValue()) === deadline,
    `could not set #application_deadline to ${deadline}`,
  );
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    page.locator('main form[action="/runder/ny"] button[type=submit]').click(),
  ]);
  return { announcement, deadline };
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  // playwright-core gives launch() a fresh temporary --user-data-dir of its own (and removes it
  // afterwards); passing the flag ourselves is refused. Separate contexts keep the users apart.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const offsite = new Set();
  const consoleErrors = new Set();
  // Script errors and CSP violations on any page; the 4xx status of an error page itself is expected.
  const watch = (page) => {
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      if (/^Failed to load resource/.test(m.text()) && m.location().url === page.url()) return;
      consoleErrors.add(`${path(page)}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.add(`${path(page)}: ${e.message}`));
  };
  const newContext = async (viewport = { width: 1280, height: 900 }) => {
    const context = await browser.newContext({ viewport, locale: 'nb-NO' });
    // Only the portal itself: anything else is recorded and refused.
    await context.route('**/*', (route) => {
      const u = new URL(route.request().url());
      if (u.host === BASE_HOST || u.protocol === 'data:') return route.continue();
      offsite.add(u.origin);
      return route.abort();
    });
    return context;
  };

  try {
    // ---- Public pages -------------------------------------------------------------------
    {
      const context = await newContext();
      const page = await context.newPage();
      watch(page);
      for (const [url, status] of [
        ['/', 200],
        ['/logg-inn', 200],
        ['/runder', 200],
        ['/kalender/2027', 200],
        ['/finnes-ikke', 404],
      ]) {
        await check(`public ${url} (${status}) has no axe violations`, async () => {
          await visit(page, url, status);
          assert(
            (await page.locator('html').getAttribute('lang')) === 'nb',
            'html lang is not "nb"',
          );
          assert((await page.locator('h1').count()) === 1, 'expected exactly one h1');
          await axe(page);
        });
      }
      await check('axe reports a planted violation (the checker works)', async () => {
        await visit(page, '/');
        await page.evaluate(() => {
          const input = document.createElement('input');
          input.type = 'text'; // no label: WCAG 1.3.1 / 4.1.2
          document.querySelector('main').append(input);
        });
        const err = await axe(page).then(() => null, (e) => e);
        assert(err && /\[label\]/.test(err.message), `axe did not report the unlabelled input: ${err && err.message}`);
      });
      await check('public round detail (first link on /runder) has no axe violations', async () => {
        await visit(page, '/runder');
        const link = page.locator('main table a[href^="/runder/"]').first();
        assert((await link.count()) === 1, 'no round link on /runder');
        const name = (await link.innerText()).trim();
        await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.click()]);
        assert(/^\/runder\/[^/]+$/.test(path(page)), `landed on ${path(page)}`);
        assert((await page.locator('h1').innerText()).trim() === name, 'h1 is not the round name');
        await axe(page);
      });
      await check('a wrong password shows "Feil e-post eller passord." and no session', async () => {
        await signIn(page, 'hdir@demo.lis1.no', 'not-the-password');
        assert(path(page).startsWith('/logg-inn'), `landed on ${path(page)}`);
        const error = page.locator('#login-error');
        assert(
          (await error.innerText()).includes('Feil e-post eller passord.'),
          `error text: ${JSON.stringify(await bodyText(page))}`,
        );
        assert(
          (await page.locator('#password').getAttribute('aria-describedby')) === 'login-error',
          'password field does not point at the error',
        );
        assert((await page.locator('#password').inputValue()) === '', 'the password was echoed back');
        await axe(page);
        const s = await sessionCookies(context);
        assert(s.length === 0, `session cookie set: ${s.map((c) => c.name).join(', ')}`);
        await visit(page, '/oversikt');
        assert(path(page).startsWith('/logg-inn'), `/oversikt without a session went to ${path(page)}`);
      });
      await context.close();
    }

    // ---- Directorate -------------------------------------------------------------------
    {
      const context = await newContext();
      const page = await context.newPage();
      watch(page);
      let signedIn = false;
      await check('hdir signs in through the form and lands on /oversikt with "Velkommen"', async () => {
        await signIn(page, 'hdir@demo.lis1.no');
        assert(path(page) === '/oversikt', `landed on ${path(page)}`);
        assert((await page.locator('h1').innerText()).includes('Velkommen'), 'no "Velkommen" in h1');
        const s = await sessionCookies(context);
        assert(s.length === 1 && s[0].httpOnly, 'no HttpOnly lis1_session cookie after signing in');
        signedIn = true;
      });
      if (signedIn) {
        await check('dashboard screenshot', async () => {
          await page.screenshot({ path: join(OUT, 'dashboard.png'), fullPage: true });
        });
        for (const url of ['/oversikt', '/runder', '/runder/ny', '/organisasjoner']) {
          await check(`hdir ${url} has no axe violations`, async () => {
            await visit(page, url);
            await axe(page);
          });
        }
        await check('hdir organisation detail (Sykehuset Levanger) has no axe violations', async () => {
          await visit(page, '/organisasjoner');
          const link = page.getByRole('link', { name: 'Sykehuset Levanger', exact: true });
          await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.click()]);
          assert(/^\/organisasjoner\/[^/]+$/.test(path(page)), `landed on ${path(page)}`);
          assert((await page.locator('h1').innerText()).includes('Sykehuset Levanger'), 'wrong h1');
          await axe(page);
        });
        await check('hdir /revisjonslogg has no axe violations', async () => {
          await visit(page, '/revisjonslogg');
          await axe(page);
        });

        // New round: a deadline 10 days after the announcement is refused (§ 12: two weeks).
        let rejected = false;
        await check('new round with a 10-day application deadline is refused next to the field', async () => {
          await visit(page, '/runder/ny');
          const { deadline } = await submitRoundWithDeadline(page, 10);
          assert(path(page) === '/runder/ny', `landed on ${path(page)} (saved?)`);
          const fieldError = page.locator('#application_deadline-error');
          assert((await fieldError.count()) === 1, 'no #application_deadline-error next to the field');
          assert((await fieldError.innerText()).includes('to uker'), 'field error does not say "to uker"');
          const input = page.locator('#application_deadline');
          assert((await input.getAttribute('aria-invalid')) === 'true', 'field not aria-invalid');
          assert(
            ((await input.getAttribute('aria-describedby')) || '').split(/\s+/).includes('application_deadline-error'),
            'field not described by its error',
          );
          const summary = page.locator('#error-summary');
          assert((await summary.count()) === 1, 'no error summary');
          assert((await summary.innerText()).includes('to uker'), 'error summary does not say "to uker"');
          const link = summary.locator('a[href="#application_deadline"]');
          assert((await link.count()) === 1, 'error summary does not link to #application_deadline');
          assert((await input.inputValue()) === deadline, 'the form lost the value the user typed');
          await page.screenshot({ path: join(OUT, 'round-form-errors.png'), fullPage: true });
          rejected = true;
        });
        await check('round form with errors has no axe violations', async () => {
          assert(rejected, 'not on the error page');
          await axe(page);
        });
        await check('fixed round (15-day deadline) is saved: /runder/{id}?lagret=1 "Runden er lagret."', async () => {
          if (!rejected) await visit(page, '/runder/ny');
          const { announcement, deadline } = await submitRoundWithDeadline(page, 15);
          if (!/^\/runder\/[^/]+\?lagret=1$/.test(path(page))) {
            const summary = page.locator('#error-summary');
            const errors = (await summary.count()) ? await summary.innerText() : 'none';
            throw new Error(`landed on ${path(page)}; errors: ${errors}`);
          }
          assert((await bodyText(page)).includes('Runden er lagret.'), 'no "Runden er lagret."');
          await axe(page);
          // The saved round shows the deadline the user chose, in Norwegian notation (DD.MM.YYYY kl. HH.MM).
          const [y, mo, d] = deadline.slice(0, 10).split('-');
          const shown = await page.locator('main dl').innerText();
          const expected = `${d}.${mo}.${y} kl. ${deadline.slice(11, 13)}.${deadline.slice(14, 16)}`;
          assert(
            shown.includes(expected),
            `deadline ${expected} (announcement ${announcement}) not shown: ${JSON.stringify(shown)}`,
          );
        });

        // English.
        await check('the language link switches to English with no axe violations', async () => {
          await visit(page, '/oversikt');
          const link = page.locator('header a[href^="/sprak?til=en"]');
          assert((await link.count()) === 1, 'no language link to English');
          await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.click()]);
          assert((await page.locator('html').getAttribute('lang')) === 'en', 'html lang is not "en"');
          assert(path(page) === '/oversikt', `came back to ${path(page)}, not /oversikt`);
          assert((await page.locator('h1').innerText()).includes('Welcome'), 'h1 not in English');
          await axe(page);
        });
        await check('sign out goes back to the sign-in page with "Du er logget ut." / "signed out"', async () => {
          await signOut(page);
          assert(path(page).startsWith('/logg-inn'), `landed on ${path(page)}`);
          const text = await bodyText(page);
          assert(
            text.includes('Du er logget ut.') || text.includes('You are signed out.'),
            `no signed-out message: ${JSON.stringify(text.slice(0, 400))}`,
          );
          await axe(page);
          assert((await sessionCookies(context)).length === 0, 'the session cookie is still there');
          await visit(page, '/oversikt');
          assert(path(page).startsWith('/logg-inn'), `after sign-out /oversikt went to ${path(page)}`);
        });
      }
      await context.close();
    }

    // ---- Applicant: no access to organisations or the audit log --------------------------
    {
      const context = await newContext();
      const page = await context.newPage();
      watch(page);
      let signedIn = false;
      await check('applicant lege1 signs in', async () => {
        await signIn(page, 'lege1@demo.lis1.no');
        assert(path(page) === '/oversikt', `landed on ${path(page)}`);
        signedIn = true;
      });
      for (const url of ['/organisasjoner', '/revisjonslogg']) {
        await check(`applicant gets a 403 page on ${url}`, async () => {
          assert(signedIn, 'not signed in');
          await visit(page, url, 403);
          const text = await bodyText(page);
          assert(text.includes('ikke tilgang'), `no "ikke tilgang" on the page: ${JSON.stringify(text.slice(0, 400))}`);
          assert(!(await page.locator('main table').count()), 'the page shows a table anyway');
          await axe(page);
        });
      }
      await context.close();
    }

    // ---- Hiring: an open round, an advertisement, profiles, applications, assessment ----------
    await hiring(newContext, watch);

    // ---- A phone-sized screen: WCAG 1.4.10 asks for no sideways page scrolling at 320 CSS px;
    // wide tables scroll inside their own (keyboard-focusable) region instead.
    for (const email of ['hnt@demo.lis1.no', 'hdir@demo.lis1.no']) {
      const context = await newContext({ width: 320, height: 720 });
      const page = await context.newPage();
      watch(page);
      let signedIn = false;
      await check(`${email} signs in on a 320 px wide screen`, async () => {
        await signIn(page, email);
        assert(path(page) === '/oversikt', `landed on ${path(page)}`);
        signedIn = true;
      });
      const urls = email.startsWith('hnt')
        ? ['/oversikt']
        : ['/runder', '/runder/ny', '/organisasjoner', '/revisjonslogg', '/kalender/2027'];
      for (const url of urls) {
        await check(`320 px: ${url} (${email.split('@')[0]}) reflows and has no axe violations`, async () => {
          assert(signedIn, 'not signed in');
          await visit(page, url);
          await noSidewaysScroll(page);
          await axe(page);
        });
      }
      if (email.startsWith('hdir')) {
        for (const [from, selector, what] of [
          ['/runder', 'main table a[href^="/runder/"]', 'round detail'],
          ['/organisasjoner', 'main a:text-is("Sykehuset Levanger")', 'organisation detail'],
        ]) {
          await check(`320 px: ${what} reflows and has no axe violations`, async () => {
            assert(signedIn, 'not signed in');
            await visit(page, from);
            await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.locator(selector).first().click()]);
            await noSidewaysScroll(page);
            await axe(page);
          });
        }
      }
      await context.close();
    }

    await check('no requests left localhost, no script errors, no CSP violations', async () => {
      assert(offsite.size === 0, `requests to ${[...offsite].join(', ')}`);
      assert(consoleErrors.size === 0, [...consoleErrors].join('\n    '));
    });
  } finally {
    await browser.close();
  }
}

try {
  await main();
} catch (e) {
  failed++;
  console.log(`not ok - browser run: ${e && e.stack ? e.stack : e}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
