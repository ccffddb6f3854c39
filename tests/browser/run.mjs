// Real-browser test of the LIS1 portal: headless Debian Chromium driven by playwright-core, with
// axe-core accessibility checks (WCAG 2.1 A/AA) on every page a user reaches.
//
// Usage: BASE_URL=http://127.0.0.1:18080 node tests/browser/run.mjs
// (scripts/browser-test builds the binary, starts a throw-away demo server and runs this.)
// Prints `ok - name` / `not ok - name: reason` per case and ends with `N passed, N failed`;
// exits non-zero on any failure. Screenshots go to tests/browser/out/ (gitignored).
//
// Besides the public pages, the directorate's round form and reflow on a phone, it walks one hiring
// through the pages ("hiring 1" … "hiring 9"): the directorate opens a round that is open for
// applications now (the server keeps the real clock), HNT's recruiter advertises and publishes,
// two applicants fill in their profiles (with a refused identity number and a refused upload) and
// apply, the recruiter filters, adjusts points and ranks, a coordinator takes part and comments,
// another trust's recruiter is kept out, and the later employer ranks the bound position.
// VERBOSE=1 prints each case's time.

import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const BASE_URL = (process.env.BASE_URL || 'http://127.0.0.1:18080').replace(/\/$/, '');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUT = join(dirname(fileURLToPath(import.meta.url)), 'out');
const PASSWORD = 'demo-lis1';
const BASE_HOST = new URL(BASE_URL).host;
// The test OpenID provider scripts/browser-test starts beside the portal (tests/oidc/provider.mjs).
const OIDC_ISSUER = (process.env.OIDC_ISSUER || '').replace(/\/$/, '');
const OIDC_HOST = OIDC_ISSUER ? new URL(OIDC_ISSUER).host : null;

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
    const name = (el) => `${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''}`;
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      // Inside a scrolling table wrapper only what escapes its clipping counts: an absolutely
      // positioned element (e.g. .ds-sr-only text) whose containing block is outside the wrapper.
      const inWrap = el.parentElement.closest('.app-table-wrap');
      const escapes = inWrap && ['absolute', 'fixed'].includes(getComputedStyle(el).position)
        && getComputedStyle(inWrap).position === 'static';
      if (r.right > width + 0.5 && (!inWrap || escapes)) {
        out.push(`${name(el)}${escapes ? ` (positioned, escapes ${name(inWrap)})` : ''} (right edge ${Math.round(r.right)})`);
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

// ---- Hiring ----------------------------------------------------------------------------------
// One advertisement from draft to recommendation, through the pages people use: the directorate
// opens a round, HNT's recruiter advertises, two applicants fill in their profiles and apply, the
// recruiter assesses and ranks, a coordinator takes part, and the later employer of the bound
// position ranks it. Every page on the way is checked with axe.

const AD_TITLE = 'LIS1 ved Sykehuset Levanger med kommuner i Levanger-området';
const AD_MUNICIPALITIES = ['Levanger kommune', 'Verdal kommune', 'Stjørdal kommune', 'Inderøy kommune'];
const ORDINARY = 'Ordinær LIS1';
const BOUND_ALIS = 'LIS1 + ALIS allmennmedisin';
const LEGE1 = 'Lise Lege';
const LEGE2 = 'Lars Lege';

/** The element with exactly this id (ids such as `positions[0].kind` are no CSS selectors). */
const byId = (page, id) => page.locator(`[id="${id}"]`);

/** Clicks and waits for the navigation that follows; the final response's status. */
async function submit(page, button) {
  const [resp] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), button.click()]);
  return resp ? resp.status() : 0;
}

// Issue 11, item 6: an irreversible step asks on a page of its own, saying what cannot be undone;
// the test checks that page (axe clean) and confirms.
async function confirmStep(page) {
  assert(await page.locator('#confirm-irreversible').count() === 1, `no confirmation page at ${path(page)}`);
  await axe(page);
  return submit(page, page.locator('#confirm-form button[type=submit]'));
}

async function errorSummary(page) {
  const s = page.locator('#error-summary');
  return (await s.count()) ? (await s.innerText()).replace(/\s+/g, ' ').trim() : 'no error summary';
}

/** Navigates and accepts any of `statuses` (e.g. 403 or 404 for "not yours"). */
async function visitExpecting(page, url, statuses) {
  const resp = await page.goto(BASE_URL + url, { waitUntil: 'load' });
  assert(resp && statuses.includes(resp.status()), `GET ${url} answered ${resp && resp.status()}, expected ${statuses.join(' or ')}`);
}

/** Now in Norway as a datetime-local value (`YYYY-MM-DDTHH:MM`): the server's clock is the real one. */
function osloNow() {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }).formatToParts(new Date()).map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** A synthetic fødselsnummer (Skatteetaten's test numbers: month + 80) with valid mod-11 control digits. */
function syntheticNationalId(day, month, yy) {
  const two = (n) => String(n).padStart(2, '0');
  const base = `${two(day)}${two(month + 80)}${two(yy)}`;
  const control = (weights, digits) => {
    const r = 11 - (weights.reduce((sum, w, i) => sum + w * digits[i], 0) % 11);
    return r === 11 ? 0 : r;
  };
  for (let individual = 100; individual < 500; individual++) {
    const d = `${base}${individual}`.split('').map(Number);
    const k1 = control([3, 7, 6, 1, 8, 9, 4, 5, 2], d);
    if (k1 === 10) continue;
    const k2 = control([5, 4, 3, 2, 7, 6, 5, 4, 3, 2], [...d, k1]);
    if (k2 === 10) continue;
    return `${base}${individual}${k1}${k2}`;
  }
  throw new Error('no synthetic number found');
}

/** Fills the profile form (the fields a person fills in; the rest keep their defaults). */
async function fillProfile(page, p) {
  const fill = (id, value) => byId(page, id).fill(value);
  await fill('full_name', p.name);
  await fill('email', p.email);
  await fill('phone', p.phone);
  await fill('national_id', p.nationalId || '');
  await byId(page, 'education.country').selectOption('NO');
  await fill('education.university', p.university);
  await byId(page, 'education.degree').selectOption('cand_med');
  await fill('education.degree_date', '2026-06-20');
  await byId(page, 'authorisation').selectOption({ label: 'Autorisert som lege' });
  await fill('authorisation_date', '2026-07-01');
  await byId(page, 'norwegian').selectOption(p.norwegian);
  for (const [i, r] of p.references.entries()) {
    await fill(`references[${i}].name`, r.name);
    await fill(`references[${i}].role`, r.role);
    await fill(`references[${i}].phone`, r.phone || '');
    await fill(`references[${i}].email`, r.email || '');
  }
  if (p.experience) {
    const e = p.experience;
    await fill('experiences[0].employer', e.employer);
    await fill('experiences[0].from', e.from);
    await fill('experiences[0].to', e.to);
    await byId(page, 'experiences[0].kind').selectOption('doctor_work');
    await byId(page, 'experiences[0].capacity').selectOption('student_with_licence');
    await byId(page, 'experiences[0].care_level').selectOption('specialist');
    await fill('experiences[0].percent', String(e.percent));
    await byId(page, 'experiences[0].on_call').check();
  }
}

const saveProfileButton = (page) => page.locator('main form[action="/profil"] button[type=submit]');

/** Applies to the advertisement from its page: positions by kind, the bound question, a letter. */
async function applyTo(page, adId, kinds, bound, letter) {
  await visit(page, `/utlysninger/${adId}`);
  const link = page.getByRole('link', { name: 'Søk på stillingen' });
  assert((await link.count()) === 1, 'no "Søk på stillingen" on the advertisement');
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.click()]);
  assert(path(page) === `/utlysninger/${adId}/sok`, `"Søk på stillingen" went to ${path(page)}`);
  for (const kind of kinds) {
    await page.getByRole('checkbox', { name: new RegExp(`^${kind.replace(/[+]/g, '\\+')} \\(`) }).check();
  }
  // Whether a bound position is applied for follows from the positions ticked (issue 11, item 5):
  // no separate question that could contradict them.
  assert((await page.locator('[name="answer.applies_for_bound"]').count()) === 0, 'the bound question is asked separately');
  void bound;
  // The recruiter's own question (hiring 2: "Har du førerkort klasse B?").
  if (await page.locator('#a-q1-yes').count()) await page.locator('#a-q1-yes').check();
  await page.locator('#motivation').fill(letter);
}

async function hiring(newContext, watch) {
  const open = async (email) => {
    const context = await newContext();
    const page = await context.newPage();
    watch(page);
    await signIn(page, email);
    assert(path(page) === '/oversikt', `${email} landed on ${path(page)} after signing in`);
    return { context, page };
  };
  const contexts = [];
  let roundId = null;
  let adId = null;

  // 1. The directorate opens a round that is open for applications now.
  const hdir = await open('hdir@demo.lis1.no');
  contexts.push(hdir.context);
  await check('hiring 1: hdir creates a round open now (announced yesterday: a warning to confirm; deadline in 20 days)', async () => {
    const page = hdir.page;
    await visit(page, '/runder/ny');
    const today = osloNow().slice(0, 10);
    const announcement = addDays(`${today}T09:00`, -1);
    const deadline = addDays(`${today}T23:59`, 20);
    await page.locator('#name').fill(`${await page.locator('#name').inputValue()} (åpen for søknad)`);
    await page.locator('#announcement').fill(announcement);
    await page.locator('#application_deadline').fill(deadline);
    // The suggested first offer comes weeks after the suggested deadline; keep it unless ours is later.
    if ((await page.locator('#earliest_offer').inputValue()) < deadline) {
      await page.locator('#earliest_offer').fill(addDays(deadline, 1).slice(0, 10) + 'T09:00');
    }
    await submit(page, page.locator('main form[action="/runder/ny"] button[type=submit]'));
    // The announcement (yesterday) has passed: the portal warns, and the directorate confirms.
    const warning = page.locator('#past-warning');
    assert((await warning.count()) === 1, `no warning for an announcement in the past (${path(page)}): ${await errorSummary(page)}`);
    assert((await warning.innerText()).includes('allerede passert'), 'the warning does not say the announcement has passed');
    await axe(page);
    await page.locator('#past_ok').check();
    await submit(page, page.locator('main form[action="/runder/ny"] button[type=submit]'));
    const m = /^\/runder\/(\d+)\?lagret=1$/.exec(path(page));
    assert(m, `the round was not saved (${path(page)}): ${await errorSummary(page)}`);
    roundId = m[1];
  });
  await hdir.context.close();

  // 2. HNT's recruiter writes the advertisement and publishes it.
  const hnt = await open('hnt@demo.lis1.no');
  contexts.push(hnt.context);
  const fillAd = async (page, municipalities) => {
    await page.locator('#round_id').selectOption(roundId);
    await page.locator('#site_id').selectOption({ label: 'Sykehuset Levanger' });
    await page.locator('#coupling-section13b').check();
    // The municipalities come in one group per hospital site.
    const group = page.getByRole('group', { name: 'Sykehuset Levanger', exact: true });
    for (const m of municipalities) await group.getByLabel(m, { exact: true }).check();
    await page.locator('#title').fill(AD_TITLE);
    await page.locator('#description').fill('Tolv måneder ved Sykehuset Levanger, deretter seks måneder i en av kommunene.\nVelkommen som søker!');
    await byId(page, 'positions[0].kind').selectOption('ordinary');
    await byId(page, 'positions[0].count').fill('3');
    await byId(page, 'positions[1].kind').selectOption({ label: BOUND_ALIS });
    await byId(page, 'positions[1].count').fill('1');
    await byId(page, 'positions[1].municipality_id').selectOption({ label: 'Levanger kommune' });
    await byId(page, 'positions[1].later_employer_id').selectOption({ label: 'Levanger kommune' });
    // The points rubric is a table pre-filled with the default: item 1 worth more, "Relevante kurs"
    // (row 7) removed, a new item in the first empty row (11).
    const cell = (name) => page.getByLabel(name, { exact: true });
    await cell('Poeng, punkt 1').fill('1,5');
    await cell('Maks, punkt 1').fill('30');
    assert((await cell('Tekst (bokmål), punkt 7').inputValue()) === 'Relevante kurs', 'row 7 is not "Relevante kurs"');
    await cell('Fjern punkt 7').check();
    await cell('Tekst (bokmål), punkt 11').fill('Førerkort klasse B');
    await cell('Tekst (engelsk), punkt 11').fill('Driving licence class B');
    await cell('Hva gir poeng, punkt 11').selectOption({ label: 'Førerkort klasse B' });
    await cell('Poeng, punkt 11').fill('2');
    await byId(page, 'screening[0].text_nb').fill('Har du førerkort klasse B?');
    await byId(page, 'screening[0].text_en').fill('Do you hold a class B driving licence?');
  };
  await check('hiring 2: hnt /utlysninger/ny has no axe violations', async () => {
    assert(roundId, 'no open round');
    await visit(hnt.page, '/utlysninger/ny');
    await axe(hnt.page);
  });
  await check('hiring 2: an ad without municipalities is refused next to the field and in the summary (axe clean)', async () => {
    assert(roundId, 'no open round');
    const page = hnt.page;
    await fillAd(page, []);
    const status = await submit(page, page.locator('main form[action="/utlysninger/ny"] button[type=submit]'));
    assert(status === 422, `answered ${status}, expected 422`);
    const summary = await errorSummary(page);
    assert(/kommune/i.test(summary), `the summary does not name the municipalities: ${summary}`);
    assert((await page.locator('#error-summary a[href="#municipality_ids"]').count()) === 1, 'the summary does not link to #municipality_ids');
    assert((await page.locator('#municipality_ids-error').count()) === 1, 'no error next to the municipalities');
    assert((await page.locator('#title').inputValue()) === AD_TITLE, 'the form lost the title');
    assert((await byId(page, 'positions[1].kind').inputValue()) === 'bound_alis', 'the form lost position 2');
    await page.screenshot({ path: join(OUT, 'ad-form-errors.png'), fullPage: true });
    await axe(page);
  });
  await check('hiring 2: a municipality outside Levanger\'s area is refused inside the municipality group (axe clean)', async () => {
    assert(roundId, 'no open round');
    const page = hnt.page;
    await page.getByRole('group', { name: 'Sykehuset Namsos', exact: true }).getByLabel('Namsos kommune', { exact: true }).check();
    const status = await submit(page, page.locator('main form[action="/utlysninger/ny"] button[type=submit]'));
    assert(status === 422, `answered ${status}, expected 422`);
    const inGroup = page.locator('#municipality_ids .ds-validation-message', { hasText: 'samarbeidsområde' });
    assert((await inGroup.count()) === 1, `no message in the municipality group; summary: ${await errorSummary(page)}`);
    assert((await page.locator('#error-summary a[href="#municipality_ids"]').count()) === 1, 'the summary does not link to the municipality group');
    await axe(page);
  });
  await check('hiring 2: negative points in the rubric table are refused next to the cell, typed values kept (axe clean)', async () => {
    assert(roundId, 'no open round');
    const page = hnt.page;
    await byId(page, 'rubric[1].points').fill('-1');
    const status = await submit(page, page.locator('main form[action="/utlysninger/ny"] button[type=submit]'));
    assert(status === 422, `answered ${status}, expected 422`);
    const error = byId(page, 'rubric[1].points-error');
    assert((await error.count()) === 1, `no message next to the cell; summary: ${await errorSummary(page)}`);
    assert((await error.innerText()).includes('punkt 2'), `unexpected message: ${await error.innerText()}`);
    assert((await page.locator('#error-summary a[href="#rubric[1].points"]').count()) === 1, 'the summary does not link to the cell');
    assert((await byId(page, 'rubric[1].points').getAttribute('aria-invalid')) === 'true', 'the cell is not marked invalid');
    assert((await byId(page, 'rubric[1].points').inputValue()) === '-1', 'the typed value is lost');
    assert((await byId(page, 'rubric[10].label_nb').inputValue()) === 'Førerkort klasse B', 'the new row is lost');
    assert(await byId(page, 'rubric[6].remove').isChecked(), 'the removal is lost');
    await page.screenshot({ path: join(OUT, 'ad-form-rubric-error.png'), fullPage: true });
    await axe(page);
    await byId(page, 'rubric[1].points').fill('0,7');
  });
  await check('hiring 2: hnt saves the ad as a draft (§ 13b, 4 municipalities, ordinary ×3 + LIS1+ALIS in Levanger)', async () => {
    assert(roundId, 'no open round');
    const page = hnt.page;
    if (path(page) !== '/utlysninger/ny') await visit(page, '/utlysninger/ny');
    for (const box of await page.locator('#municipality_ids input[type=checkbox]:checked').all()) await box.uncheck();
    await fillAd(page, AD_MUNICIPALITIES);
    // A typo in the title, fixed on the draft below.
    await page.locator('#title').fill(AD_TITLE.replace('Levanger', 'Levnager'));
    await submit(page, page.locator('main form[action="/utlysninger/ny"] button[type=submit]'));
    const m = /^\/utlysninger\/(\d+)\?lagret=1$/.exec(path(page));
    assert(m, `not saved (${path(page)}): ${await errorSummary(page)}`);
    adId = m[1];
    const text = await bodyText(page);
    assert(text.includes('lagret som utkast'), 'no "lagret som utkast" notice');
    assert(/Status\s+Utkast/.test(text), 'the ad is not shown as a draft');
    for (const m of AD_MUNICIPALITIES) assert(text.includes(m), `${m} not on the ad`);
    for (const line of ['1,50 poeng per måned, maks 30 poeng', 'Førerkort klasse B: 2,00 poeng', 'Har du førerkort klasse B?']) {
      assert(text.includes(line), `"${line}" not on the ad`);
    }
    assert(!text.includes('Relevante kurs'), 'the removed rubric item is on the ad');
    await axe(page);
  });
  await check('hiring 2: hnt edits the draft ("Endre"): the form is filled in, the title typo is fixed (axe clean)', async () => {
    assert(adId, 'no ad');
    const page = hnt.page;
    const link = page.locator(`main a[href="/utlysninger/${adId}/endre"]`);
    assert((await link.innerText()).trim() === 'Endre', 'no "Endre" link on the draft');
    await submit(page, link);
    assert(path(page) === `/utlysninger/${adId}/endre`, `landed on ${path(page)}`);
    assert((await page.locator('h1').innerText()).trim() === 'Endre utlysning', 'wrong h1');
    assert((await page.locator('#title').inputValue()) === AD_TITLE.replace('Levanger', 'Levnager'), 'the title is not filled in');
    assert((await page.locator('#municipality_ids input[type=checkbox]:checked').count()) === AD_MUNICIPALITIES.length, 'the municipalities are not ticked');
    assert((await byId(page, 'positions[0].count').inputValue()) === '3', 'the ordinary count is not filled in');
    assert((await byId(page, 'positions[1].kind').inputValue()) === 'bound_alis', 'the bound position is not filled in');
    assert((await page.getByLabel('Tekst (bokmål), punkt 10', { exact: true }).inputValue()) === 'Førerkort klasse B', 'the rubric is not filled in');
    assert((await byId(page, 'screening[0].text_en').inputValue()) === 'Do you hold a class B driving licence?', 'the screening question is not filled in');
    await axe(page);
    await page.locator('#title').fill(AD_TITLE);
    await submit(page, page.locator(`main form[action="/utlysninger/${adId}/endre"] button[type=submit]`));
    assert(path(page) === `/utlysninger/${adId}?endret=1`, `not saved (${path(page)}): ${await errorSummary(page)}`);
    assert((await page.locator('h1').innerText()).trim() === AD_TITLE, 'the title is not changed');
    const text = await bodyText(page);
    assert(text.includes('Endringene er lagret'), 'no "Endringene er lagret" notice');
    assert(/Status\s+Utkast/.test(text), 'the ad is no longer a draft');
    assert(text.includes('Førerkort klasse B: 2,00 poeng'), 'the rubric changed');
    await axe(page);
  });
  await check('hiring 2: hnt publishes the ad ("Utlysningen er publisert."), ad page has no axe violations', async () => {
    assert(adId, 'no ad');
    const page = hnt.page;
    await submit(page, page.locator(`main form[action="/utlysninger/${adId}/publiser"] button[type=submit]`));
    await confirmStep(page);
    assert(path(page) === `/utlysninger/${adId}?publisert=1`, `landed on ${path(page)}`);
    const text = await bodyText(page);
    assert(text.includes('Utlysningen er publisert.'), 'no "Utlysningen er publisert."');
    assert(/Status\s+Publisert/.test(text), 'the ad is not shown as published');
    assert(!(await page.locator(`form[action$="/publiser"]`).count()), 'the publish button is still there');
    assert(!(await page.locator(`a[href="/utlysninger/${adId}/endre"]`).count()), 'the published ad can still be edited');
    await axe(page);
  });
  await check('hiring 2: hnt /utlysninger lists the ad as published; no axe violations', async () => {
    assert(adId, 'no ad');
    await visit(hnt.page, '/utlysninger');
    const row = hnt.page.locator('main tr', { has: hnt.page.locator(`a[href="/utlysninger/${adId}"]`) });
    assert((await row.count()) === 1, 'the ad is not listed');
    assert((await row.innerText()).includes('Publisert'), 'not shown as published');
    await axe(hnt.page);
  });

  // 3. Anyone finds it on the public list.
  {
    const context = await newContext();
    const page = await context.newPage();
    watch(page);
    await check('hiring 3: public /stillinger lists the ad, also when filtered on "Bundne"; no axe violations', async () => {
      assert(adId, 'no ad');
      await visit(page, '/stillinger');
      const link = page.locator(`main a[href="/utlysninger/${adId}"]`);
      assert((await link.count()) === 1, 'the ad is not on /stillinger');
      assert((await link.innerText()).trim() === AD_TITLE, 'wrong title');
      await axe(page);
      await page.locator('#f-type').selectOption('bound');
      await submit(page, page.locator('main form[action="/stillinger"] button[type=submit]'));
      assert(new URL(page.url()).searchParams.get('type') === 'bound', `filter not in the address: ${path(page)}`);
      assert((await page.locator(`main a[href="/utlysninger/${adId}"]`).count()) === 1, 'the ad is gone with the "Bundne" filter');
      assert((await page.locator('#f-type').inputValue()) === 'bound', 'the filter did not stay selected');
      await axe(page);
    });
    await check('hiring 3: the public ad page offers "Søk på stillingen" and has no axe violations', async () => {
      assert(adId, 'no ad');
      await visit(page, `/utlysninger/${adId}`);
      assert((await page.getByRole('link', { name: 'Søk på stillingen' }).count()) === 1, 'no apply link');
      await axe(page);
    });
    await context.close();
  }

  // 4. lege1 fills in the profile and uploads documents.
  const lege1 = await open('lege1@demo.lis1.no');
  contexts.push(lege1.context);
  const lege1Profile = {
    name: LEGE1, email: 'lege1@demo.lis1.no', phone: '+47 912 34 567', university: 'NTNU', norwegian: 'c1',
    references: [
      { name: 'Kari Overlege', role: 'Overlege, St. Olavs hospital', phone: '+47 73 86 80 00' },
      { name: 'Per Fastlege', role: 'Fastlege', email: 'per.fastlege@example.no' },
    ],
    experience: { employer: 'St. Olavs hospital', from: '2025-06-01', to: '2025-08-31', percent: 100 },
  };
  await check('hiring 4: lege1 /profil (new) has no axe violations', async () => {
    await visit(lege1.page, '/profil');
    await axe(lege1.page);
  });
  await check('hiring 4: fødselsnummer 12345678901 is refused next to the field, nothing saved (axe clean)', async () => {
    const page = lege1.page;
    await fillProfile(page, { ...lege1Profile, nationalId: '12345678901' });
    const status = await submit(page, saveProfileButton(page));
    assert(status === 422, `answered ${status}, expected 422`);
    const error = page.locator('#national_id-error');
    assert((await error.count()) === 1, `no #national_id-error; summary: ${await errorSummary(page)}`);
    assert((await error.innerText()).includes('gyldig dato'), `unexpected message: ${await error.innerText()}`);
    const input = page.locator('#national_id');
    assert((await input.getAttribute('aria-invalid')) === 'true', 'field not aria-invalid');
    assert(((await input.getAttribute('aria-describedby')) || '').split(/\s+/).includes('national_id-error'), 'field not described by its error');
    assert((await page.locator('#error-summary a[href="#national_id"]').count()) === 1, 'the summary does not link to the field');
    assert((await input.inputValue()) === '12345678901', 'the typed number was lost');
    assert((await byId(page, 'references[1].name').inputValue()) === 'Per Fastlege', 'the form lost the references');
    await axe(page);
    // Nothing saved: applying still sends the applicant to the profile first.
    const resp = await page.goto(`${BASE_URL}/utlysninger/${adId}/sok`, { waitUntil: 'load' });
    assert(resp.ok() && path(page).startsWith('/profil'), `with no saved profile /sok went to ${path(page)}`);
    assert((await bodyText(page)).includes('Fyll ut og lagre profilen din før du søker.'), 'the profile page does not say why it was shown');
  });
  const nationalId = syntheticNationalId(15, 8, 95);
  await check(`hiring 4: the profile with a synthetic fødselsnummer (${nationalId}) is saved: "Profilen er lagret." (axe clean)`, async () => {
    const page = lege1.page;
    await visit(page, '/profil');
    await fillProfile(page, { ...lege1Profile, nationalId });
    await submit(page, saveProfileButton(page));
    assert(path(page) === '/profil?lagret=1', `landed on ${path(page)}: ${await errorSummary(page)}`);
    assert((await bodyText(page)).includes('Profilen er lagret.'), 'no "Profilen er lagret."');
    assert((await page.locator('#national_id').inputValue()) === nationalId, 'the number is not shown back');
    assert((await byId(page, 'experiences[0].employer').inputValue()) === 'St. Olavs hospital', 'the experience is not shown back');
    await axe(page);
  });
  await check('hiring 4: a PDF upload is listed under Dokumenter', async () => {
    const page = lege1.page;
    await page.locator('#doc-kind').selectOption('norwegian_test');
    await page.locator('#doc-file').setInputFiles({
      name: 'bergenstesten.pdf', mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'),
    });
    await submit(page, page.locator('main form[action="/profil/dokumenter"] button[type=submit]'));
    assert(path(page) === '/profil?lastet=1', `landed on ${path(page)}`);
    assert((await bodyText(page)).includes('Dokumentet er lastet opp.'), 'no "Dokumentet er lastet opp."');
    assert((await page.locator('#dokumenter a', { hasText: 'bergenstesten.pdf' }).count()) === 1, 'the PDF is not listed');
    await axe(page);
    await page.screenshot({ path: join(OUT, 'profile.png'), fullPage: true });
  });
  await check('hiring 4: a text file named cv.pdf is refused ("PDF, JPEG eller PNG") and not listed', async () => {
    const page = lege1.page;
    await page.locator('#doc-kind').selectOption('cv');
    await page.locator('#doc-file').setInputFiles({ name: 'cv.pdf', mimeType: 'application/pdf', buffer: Buffer.from('Lise Lege\nCV\n') });
    const status = await submit(page, page.locator('main form[action="/profil/dokumenter"] button[type=submit]'));
    assert(status === 422, `answered ${status}, expected 422`);
    const text = await bodyText(page);
    assert(text.includes('PDF, JPEG eller PNG'), `no message about PDF/JPEG/PNG: ${JSON.stringify(text.slice(0, 300))}`);
    await axe(page);
    await visit(page, '/profil');
    assert((await page.locator('#dokumenter a', { hasText: 'cv.pdf' }).count()) === 0, 'cv.pdf was stored anyway');
  });

  // 5. lege1 applies for both positions; a double click makes one application.
  await check('hiring 5: the apply page has no axe violations', async () => {
    assert(adId, 'no ad');
    await applyTo(lege1.page, adId, [ORDINARY, BOUND_ALIS], 'yes', 'Jeg ønsker å bli allmennlege i Levanger.\nHilsen Lise');
    await axe(lege1.page);
  });
  await check('hiring 5: a double-clicked "Send søknaden" shows the receipt; back + send again; still ONE application (axe clean)', async () => {
    const page = lege1.page;
    assert(path(page) === `/utlysninger/${adId}/sok`, `not on the apply page (${path(page)})`);
    let posts = 0;
    const count = (r) => { if (r.method() === 'POST' && r.url().endsWith(`/utlysninger/${adId}/sok`)) posts++; };
    page.on('request', count);
    await page.locator('main form button[type=submit]').dblclick();
    await page.waitForURL(/\/soknader\?kvittering=/, { waitUntil: 'load' });
    page.off('request', count);
    const text = await bodyText(page);
    assert(
      text.includes('Søknaden er sendt.') || text.includes('Endringene i søknaden er lagret.'),
      `no receipt: ${JSON.stringify(text.slice(0, 300))}`,
    );
    if (process.env.VERBOSE) console.error(`   double click: ${posts} POST(s) sent; receipt: ${text.includes('Søknaden er sendt.') ? 'sendt' : 'endret'}`);
    let rows = page.locator('main tbody tr', { has: page.locator(`a[href="/utlysninger/${adId}"]`) });
    assert((await rows.count()) === 1, `${await rows.count()} applications listed for the ad`);
    await axe(page);
    // Back to the form and send it again: a change of the same application, not a second one.
    await page.goBack({ waitUntil: 'load' });
    assert(path(page) === `/utlysninger/${adId}/sok`, `back went to ${path(page)}`);
    await submit(page, page.locator('main form button[type=submit]'));
    assert(path(page) === '/soknader?kvittering=endret', `the second submission landed on ${path(page)}`);
    assert((await bodyText(page)).includes('Endringene i søknaden er lagret.'), 'no "Endringene i søknaden er lagret."');
    rows = page.locator('main tbody tr', { has: page.locator(`a[href="/utlysninger/${adId}"]`) });
    assert((await rows.count()) === 1, `${await rows.count()} applications listed after submitting again`);
  });
  await check('hiring 5: three simultaneous submissions of the same form all succeed (303) and leave one application', async () => {
    const page = lege1.page;
    await visit(page, `/utlysninger/${adId}/sok`);
    const statuses = await page.evaluate(async () => {
      const form = document.querySelector('main form');
      const send = () => fetch(form.action, { method: 'POST', body: new URLSearchParams(new FormData(form)), redirect: 'manual' });
      const rs = await Promise.all([send(), send(), send()]);
      return rs.map((r) => (r.type === 'opaqueredirect' ? 303 : r.status));
    });
    assert(statuses.every((s) => s === 303), `statuses ${statuses.join(', ')} (expected 303 See Other each)`);
    await visit(page, '/soknader');
    const rows = page.locator('main tbody tr', { has: page.locator(`a[href="/utlysninger/${adId}"]`) });
    assert((await rows.count()) === 1, `${await rows.count()} applications listed for the ad`);
  });

  // 6. lege2: a quick profile, the ordinary position only.
  const lege2 = await open('lege2@demo.lis1.no');
  contexts.push(lege2.context);
  await check('hiring 6: lege2 saves a profile and applies for the ordinary position only (bound: "Nei")', async () => {
    const page = lege2.page;
    await visit(page, '/profil');
    await fillProfile(page, {
      name: LEGE2, email: 'lege2@demo.lis1.no', phone: '+47 400 00 002', university: 'Universitetet i Bergen', norwegian: 'native',
      references: [
        { name: 'Anne Overlege', role: 'Overlege', phone: '+47 55 97 50 00' },
        { name: 'Bjørn Professor', role: 'Veileder', email: 'bjorn@example.no' },
      ],
    });
    await submit(page, saveProfileButton(page));
    assert(path(page) === '/profil?lagret=1', `profile not saved (${path(page)}): ${await errorSummary(page)}`);
    await applyTo(page, adId, [ORDINARY], 'no', 'Jeg søker den ordinære stillingen.');
    await submit(page, page.locator('main form button[type=submit]'));
    assert(path(page) === '/soknader?kvittering=1', `landed on ${path(page)}: ${await errorSummary(page)}`);
    assert((await bodyText(page)).includes('Søknaden er sendt.'), 'no receipt');
  });

  // 7. The recruiter assesses and ranks.
  const apps = {};
  await check('hiring 7: hnt applicant list shows both with points; a points breakdown opens (axe clean)', async () => {
    const page = hnt.page;
    await visit(page, `/utlysninger/${adId}/sokere`);
    for (const name of [LEGE1, LEGE2]) {
      const link = page.locator('main tbody th a', { hasText: name });
      assert((await link.count()) === 1, `${name} is not listed`);
      apps[name] = /\/sokere\/(\d+)$/.exec(await link.getAttribute('href'))[1];
      const row = page.locator('main tbody tr', { has: page.locator('th a', { hasText: name }) });
      const points = (await row.locator('td.app-num summary').first().innerText()).trim();
      assert(/^\d+(,\d+)?$/.test(points), `${name}'s points: ${JSON.stringify(points)}`);
    }
    const row = page.locator('main tbody tr', { has: page.locator('th a', { hasText: LEGE1 }) });
    const details = row.locator('td.app-num details').first();
    await details.locator('summary').click();
    assert(await details.evaluate((d) => d.open), 'the breakdown did not open');
    assert(await details.locator('table').isVisible(), 'the breakdown table is not visible');
    assert((await details.locator('tbody tr').count()) > 0, 'the breakdown is empty');
    await axe(page);
    await page.screenshot({ path: join(OUT, 'applicants.png'), fullPage: true });
  });
  await check('hiring 7: filter "Søker bunden stilling: Ja" keeps only lege1', async () => {
    const page = hnt.page;
    await page.locator('#f-bundet').selectOption('ja');
    await submit(page, page.locator(`main form[action="/utlysninger/${adId}/sokere"] button[type=submit]`));
    assert(new URL(page.url()).searchParams.get('bundet') === 'ja', `filter not in the address: ${path(page)}`);
    const names = (await page.locator('main tbody th a').allInnerTexts()).map((s) => s.trim());
    assert(names.length === 1 && names[0] === LEGE1, `listed: ${names.join(', ')}`);
    assert((await bodyText(page)).includes('av 1 som passer (2 søkere i alt)'), 'no "1 of 2" count');
    await axe(page);
  });
  await check('hiring 7: lege1\'s application page; +1,5 points with a reason is saved and shown (axe clean)', async () => {
    const page = hnt.page;
    const link = page.locator('main tbody th a', { hasText: LEGE1 });
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.click()]);
    assert(path(page) === `/utlysninger/${adId}/sokere/${apps[LEGE1]}`, `landed on ${path(page)}`);
    await axe(page);
    const before = (await page.locator('main h2', { hasText: 'Poeng' }).innerText()).trim();
    await page.locator('#delta').fill('1,5');
    await page.locator('#reason').fill('Relevant forskning som ikke er med i poengreglene');
    await submit(page, page.locator(`main form[action$="/poeng"] button[type=submit]`));
    assert(path(page) === `/utlysninger/${adId}/sokere/${apps[LEGE1]}?lagret=1`, `landed on ${path(page)}`);
    const text = await bodyText(page);
    assert(text.includes('Relevant forskning som ikke er med i poengreglene'), 'the reason is not shown');
    const after = (await page.locator('main h2', { hasText: 'Poeng' }).innerText()).trim();
    const num = (s) => Number(s.replace(/^[^\d-]*/, '').replace(',', '.'));
    assert(Math.abs(num(after) - num(before) - 1.5) < 1e-9, `points went from "${before}" to "${after}"`);
    await axe(page);
  });
  const rankInput = (page, kind, name) =>
    page.locator('main fieldset', { has: page.locator('legend', { hasText: kind }) }).getByLabel(`Rangering ${name}`, { exact: true });
  await check('hiring 7: hnt saves the innstilling for the ordinary position (lege2 = 1, lege1 = 2; axe clean)', async () => {
    const page = hnt.page;
    await visit(page, `/utlysninger/${adId}/innstilling`);
    await axe(page);
    await rankInput(page, ORDINARY, LEGE2).fill('1');
    await rankInput(page, ORDINARY, LEGE1).fill('2');
    await submit(page, page.locator(`main form[action="/utlysninger/${adId}/innstilling"] button[type=submit]`));
    assert(path(page) === `/utlysninger/${adId}/innstilling?lagret=1`, `landed on ${path(page)}`);
    assert((await bodyText(page)).includes('Innstillingen er lagret.'), 'no "Innstillingen er lagret."');
    assert((await rankInput(page, ORDINARY, LEGE2).inputValue()) === '1', 'lege2 is not ranked 1');
    assert((await rankInput(page, ORDINARY, LEGE1).inputValue()) === '2', 'lege1 is not ranked 2');
    await axe(page);
  });

  // 8. A coordinator takes part; another hospital trust's recruiter sees nothing.
  const coord = await open('koordinator.sor@demo.lis1.no');
  contexts.push(coord.context);
  await check('hiring 8: koordinator.sor registers participation on the ad page (axe clean)', async () => {
    const page = coord.page;
    await visit(page, `/utlysninger/${adId}`);
    await axe(page);
    const button = page.getByRole('button', { name: 'Meld deltakelse i ansettelsen' });
    assert((await button.count()) === 1, 'no "Meld deltakelse" button');
    await submit(page, button);
    assert(path(page) === `/utlysninger/${adId}?deltar=1`, `landed on ${path(page)}`);
    const text = await bodyText(page);
    assert(text.includes('Deltakelsen er registrert.') && text.includes('Du deltar i ansettelsen'), 'no confirmation');
    await axe(page);
  });
  await check('hiring 8: the coordinator opens the applicant list and comments on lege1\'s application', async () => {
    const page = coord.page;
    const link = page.getByRole('link', { name: 'Søkere', exact: true });
    assert((await link.count()) === 1, 'no "Søkere" link on the ad page');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.click()]);
    assert(path(page) === `/utlysninger/${adId}/sokere`, `landed on ${path(page)}`);
    assert((await page.locator('main tbody th a').count()) === 2, 'the coordinator does not see both applicants');
    await axe(page);
    await visit(page, `/utlysninger/${adId}/sokere/${apps[LEGE1]}`);
    assert((await page.locator('#delta').count()) === 0, 'the coordinator is offered to adjust points');
    assert((await page.locator('#notes').count()) === 0, 'the coordinator is offered interview notes');
    await page.locator('#comment').fill('Kjenner kommunen godt; aktuell for Levanger.');
    await submit(page, page.locator('main form[action$="/kommentar"] button[type=submit]'));
    assert(path(page) === `/utlysninger/${adId}/sokere/${apps[LEGE1]}?lagret=1`, `landed on ${path(page)}`);
    const comments = await page.locator('#kommentarer + ul').innerText();
    assert(comments.includes('Kjenner kommunen godt') && comments.includes('Liv Koordinator Sør'), `comments: ${JSON.stringify(comments)}`);
    await axe(page);
  });
  await check('hiring 8: the coordinator sees the innstilling read-only, with no save button', async () => {
    const page = coord.page;
    await visit(page, `/utlysninger/${adId}/innstilling`);
    const inputs = page.locator('main input[name^="rank."]');
    assert((await inputs.count()) === 3, `${await inputs.count()} rank fields`);
    for (const input of await inputs.all()) assert(await input.isDisabled(), 'a rank field is editable');
    assert((await page.getByRole('button', { name: 'Lagre innstillingen' }).count()) === 0, 'a save button that can only fail');
    await axe(page);
  });
  await coord.context.close();
  {
    const other = await open('innlandet@demo.lis1.no');
    await check('hiring 8: the Innlandet recruiter gets 403/404 on HNT\'s applicants, application, innstilling and export', async () => {
      for (const url of [
        `/utlysninger/${adId}/sokere`,
        `/utlysninger/${adId}/sokere/${apps[LEGE1]}`,
        `/utlysninger/${adId}/innstilling`,
        `/utlysninger/${adId}/sokere.csv`,
      ]) {
        await visitExpecting(other.page, url, [403, 404]);
        const text = await bodyText(other.page);
        assert(!text.includes(LEGE1) && !text.includes(LEGE2), `${url} shows an applicant's name`);
      }
      await axe(other.page);
    });
    await other.context.close();
  }

  // 9. The later employer of the bound position ranks it; the hospital cannot.
  const levanger = await open('levanger@demo.lis1.no');
  contexts.push(levanger.context);
  await check('hiring 9: Levanger kommune ranks lege1 for the bound position and sees nothing of the ordinary one (axe clean)', async () => {
    const page = levanger.page;
    await visit(page, '/utlysninger');
    assert((await page.locator(`main a[href="/utlysninger/${adId}"]`).count()) === 1, 'the ad is not on Levanger\'s /utlysninger');
    await visit(page, `/utlysninger/${adId}/innstilling`);
    await axe(page);
    // The later employer sees only the positions it decides on (not the ordinary position, nor lege2).
    assert((await page.locator('main fieldset', { has: page.locator('legend', { hasText: ORDINARY }) }).count()) === 0, 'Levanger sees the ordinary position');
    assert(!(await page.locator('main').innerText()).includes('Lars Lege'), 'Levanger sees lege2, who applied only for the ordinary position');
    const bound = rankInput(page, BOUND_ALIS, LEGE1);
    assert(await bound.isEditable(), 'Levanger may not rank the bound position');
    assert((await page.locator('main fieldset', { has: page.locator('legend', { hasText: BOUND_ALIS }) }).locator('tbody tr').count()) === 1, 'the bound position should list only lege1');
    await bound.fill('1');
    await submit(page, page.locator(`main form[action="/utlysninger/${adId}/innstilling"] button[type=submit]`));
    assert(path(page) === `/utlysninger/${adId}/innstilling?lagret=1`, `landed on ${path(page)}`);
    assert((await rankInput(page, BOUND_ALIS, LEGE1).inputValue()) === '1', 'the rank was not kept');
    await axe(page);
  });
  await check('hiring 9: hnt sees the bound position as "innstilles av den senere arbeidsgiveren" (disabled, rank 1 kept)', async () => {
    const page = hnt.page;
    await visit(page, `/utlysninger/${adId}/innstilling`);
    const fieldset = page.locator('main fieldset', { has: page.locator('legend', { hasText: BOUND_ALIS }) });
    assert((await fieldset.innerText()).includes('innstilles av den senere arbeidsgiveren'), 'no "innstilles av den senere arbeidsgiveren"');
    const input = rankInput(page, BOUND_ALIS, LEGE1);
    assert(await input.isDisabled(), 'hnt may edit the bound position\'s rank');
    assert((await input.inputValue()) === '1', 'Levanger\'s rank is not shown');
    assert((await rankInput(page, ORDINARY, LEGE2).inputValue()) === '1', 'hnt\'s own ranking was changed');
  });

  // 10. Offers. The demo server runs on the real clock, after the demo round's offer rounds and
  // before this round's: no offer can be made here (the HTTP tests cover that with a manual
  // clock), but the pages and the next-in-line setting are checked.
  await check('offers 1: lege1 /tilbud ("Mine tilbud", none yet) has no axe violations', async () => {
    await visit(lege1.page, '/tilbud');
    assert((await lege1.page.locator('h1').innerText()).includes('Mine tilbud'), 'no "Mine tilbud" h1');
    assert((await bodyText(lege1.page)).includes('Du har ingen tilbud.'), 'no "Du har ingen tilbud."');
    await axe(lege1.page);
  });
  await check('offers 2: hnt switches the ad to "Etter bekreftelse fra arbeidsgiver" on the innstilling page; the ad shows it (axe clean)', async () => {
    assert(adId, 'no ad');
    const page = hnt.page;
    await visit(page, `/utlysninger/${adId}/innstilling`);
    assert((await page.locator('#mode-now').innerText()).includes('Automatisk'), 'the setting is not shown as automatic');
    assert((await page.locator('#next-heading').innerText()).includes('Venter på bekreftelse'), 'no confirmation section');
    await axe(page);
    await page.getByRole('radio', { name: 'Etter bekreftelse fra arbeidsgiver' }).check();
    await submit(page, page.getByRole('button', { name: 'Lagre innstillingen for neste i køen' }));
    assert(path(page) === `/utlysninger/${adId}/innstilling?neste=1`, `landed on ${path(page)}`);
    const text = await bodyText(page);
    assert(text.includes('Innstillingen for neste i køen er lagret.'), 'no saved notice');
    assert((await page.locator('#mode-now').innerText()).includes('Etter bekreftelse'), 'the new setting is not shown');
    assert(text.includes('Venter på bekreftelse: 0'), 'the count of places awaiting confirmation is not shown');
    await axe(page);
    await visit(page, `/utlysninger/${adId}`);
    assert((await page.locator('#next-mode').innerText()).includes('Etter bekreftelse fra arbeidsgiver'), 'the ad page does not show the setting');
    await axe(page);
  });

  // 11. Rest positions: Levanger advertises two, lege1 applies for both, withdraws from one and
  // accepts an offer of the other; Levanger closes the first.
  const restTitle = 'Reststilling i Levanger kommune (nettlesertest)';
  const restTitle2 = 'Reststilling i Levanger kommune, nummer to (nettlesertest)';
  const restIds = {};
  const advertiseRest = async (title) => {
    const page = levanger.page;
    await visit(page, '/reststillinger/ny');
    await axe(page);
    await page.locator('#title').fill(title);
    await page.locator('#description').fill('Seks måneder i kommunen, med veileder.');
    await page.locator('#period_from').fill('2027-03-01');
    await page.locator('#period_to').fill('2027-08-31');
    await submit(page, page.getByRole('button', { name: 'Lys ut reststillingen' }));
    const m = /^\/reststillinger\/(\d+)$/.exec(path(page));
    assert(m, `not saved (${path(page)}): ${await errorSummary(page)}`);
    assert((await page.locator('h1').innerText()).includes(title), 'wrong h1');
    await axe(page);
    return m[1];
  };
  await check('rest 1: levanger advertises two rest positions at /reststillinger/ny (axe clean)', async () => {
    restIds.first = await advertiseRest(restTitle);
    restIds.second = await advertiseRest(restTitle2);
  });
  await check('rest 2: the public /reststillinger lists them; lege1 opens one and applies (axe clean)', async () => {
    assert(restIds.first, 'no rest position');
    const page = lege1.page;
    await visit(page, '/reststillinger');
    await axe(page);
    for (const [id, title] of [[restIds.first, restTitle], [restIds.second, restTitle2]]) {
      await visit(page, '/reststillinger');
      const link = page.locator(`main a[href="/reststillinger/${id}"]`);
      assert((await link.count()) >= 1, `${title} is not on the public list`);
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.first().click()]);
      assert(path(page) === `/reststillinger/${id}`, `landed on ${path(page)}`);
      await axe(page);
      await page.locator('#motivation').fill('Jeg søker gjerne på reststillingen.');
      await submit(page, page.getByRole('button', { name: 'Søk på stillingen' }));
      assert(path(page) === `/reststillinger/${id}?kvittering=1`, `landed on ${path(page)}`);
      assert((await bodyText(page)).includes('Søknaden er sendt.'), 'no receipt');
      await axe(page);
    }
  });
  await check('rest 3: lege1 withdraws the second application from /reststillinger/mine (axe clean)', async () => {
    assert(restIds.second, 'no rest position');
    const page = lege1.page;
    await visit(page, '/reststillinger/mine');
    await axe(page);
    const button = page.locator(`main form[action="/reststillinger/${restIds.second}/trekk"] button`);
    assert((await button.count()) === 1, 'no "Trekk søknaden" for the second rest position');
    await submit(page, button);
    assert(path(page) === '/reststillinger/mine?trukket=1', `landed on ${path(page)}`);
    assert((await bodyText(page)).includes('Søknaden er trukket.'), 'no "Søknaden er trukket."');
    await axe(page);
  });
  await check('rest 4: levanger offers the first to lege1 on /reststillinger/{id}/sokere (axe clean)', async () => {
    assert(restIds.first, 'no rest position');
    const page = levanger.page;
    await visit(page, `/reststillinger/${restIds.first}/sokere`);
    await axe(page);
    const button = page.locator('main tr', { hasText: LEGE1 }).getByRole('button', { name: /^Gi tilbud/ });
    assert((await button.count()) === 1, `no "Gi tilbud" for ${LEGE1}`);
    await submit(page, button);
    assert(path(page) === `/reststillinger/${restIds.first}/sokere?tilbud=1`, `landed on ${path(page)}`);
    assert((await bodyText(page)).includes('Tilbudet er gitt.'), 'no "Tilbudet er gitt."');
    await axe(page);
    // lege1 withdrew the second application: Levanger no longer sees it.
    await visit(page, `/reststillinger/${restIds.second}/sokere`);
    assert(!(await bodyText(page)).includes(LEGE1), 'the withdrawn application is still listed');
  });
  await check('rest 5: lege1 accepts the rest offer on /reststillinger/mine; it leaves the public list (axe clean)', async () => {
    assert(restIds.first, 'no rest position');
    const page = lege1.page;
    await visit(page, '/reststillinger/mine');
    const accept = page.locator('main li', { hasText: restTitle }).getByRole('button', { name: /^Takk ja/ });
    assert((await accept.count()) === 1, 'no "Takk ja" for the rest offer');
    await axe(page);
    await submit(page, accept);
    assert(path(page) === '/reststillinger/mine?svar=ja', `landed on ${path(page)}`);
    assert((await bodyText(page)).includes('Stillingen er din.'), 'no "Stillingen er din."');
    await axe(page);
    await visit(page, '/reststillinger');
    assert((await page.locator(`main a[href="/reststillinger/${restIds.first}"]`).count()) === 0, 'the filled rest position is still listed');
  });
  await check('rest 6: levanger closes the second with a reason; it leaves the public list (axe clean)', async () => {
    assert(restIds.second, 'no rest position');
    const page = levanger.page;
    await visit(page, `/reststillinger/${restIds.second}/sokere`);
    await page.locator('#close-reason').fill('Stillingen ble besatt på annen måte.');
    await submit(page, page.getByRole('button', { name: 'Avslutt reststillingen' }));
    await confirmStep(page);
    assert(path(page) === `/reststillinger/${restIds.second}/sokere?avsluttet=1`, `landed on ${path(page)}`);
    const text = await bodyText(page);
    assert(text.includes('Reststillingen er avsluttet.') && text.includes('Stillingen ble besatt på annen måte.'), 'no closed notice with the reason');
    await axe(page);
    await visit(lege1.page, '/reststillinger');
    assert((await lege1.page.locator(`main a[href="/reststillinger/${restIds.second}"]`).count()) === 0, 'the closed rest position is still listed');
    await visitExpecting(lege1.page, `/reststillinger/${restIds.second}`, [404]);
  });

  // Small screens: the hiring pages reflow at 320 CSS px (WCAG 1.4.10).
  for (const [who, urls] of [
    [hnt, () => [`/utlysninger/${adId}/sokere`, `/utlysninger/${adId}/sokere/${apps[LEGE1]}`, `/utlysninger/${adId}/innstilling`, '/utlysninger/ny']],
    [lege1, () => ['/profil', `/utlysninger/${adId}/sok`, '/soknader', '/stillinger', `/utlysninger/${adId}`]],
  ]) {
    await who.page.setViewportSize({ width: 320, height: 720 });
    for (const url of urls()) {
      await check(`hiring 320 px: ${url.replace(/\d+/g, '{id}')} reflows and has no axe violations`, async () => {
        assert(adId, 'no ad');
        await visit(who.page, url);
        await noSidewaysScroll(who.page);
        await axe(who.page);
      });
    }
  }
  for (const c of contexts) await c.close().catch(() => {});
}

// The demo's finished spring 2026 round left twelve doctors at Sykehuset Levanger whose municipal
// part starts 1 September 2027: HNT registers leave for one and sets a plan, publishes the
// lottery commitment, a doctor ranks, HNT draws, the doctor sees the municipality, Levanger
// kommune sees its doctors, and the directorate sees the late-draw page.
async function lottery(newContext, watch) {
  const open = async (email) => {
    const context = await newContext();
    const page = await context.newPage();
    watch(page);
    await signIn(page, email);
    return { context, page };
  };
  let hnt;
  let courseUrl = '';
  await check('course 1: hnt /lis1-lop lists the twelve Levanger doctors (axe clean)', async () => {
    hnt = await open('hnt@demo.lis1.no');
    await visit(hnt.page, '/lis1-lop');
    const text = await bodyText(hnt.page);
    for (const name of ['Ingrid Aune', 'Ola Moe']) assert(text.includes(name), `${name} is not listed`);
    await axe(hnt.page);
    courseUrl = await hnt.page.locator('main table a', { hasText: 'Ingrid Aune' }).getAttribute('href');
    assert(/^\/lis1-lop\/\d+$/.test(courseUrl), `odd course link ${courseUrl}`);
  });
  await check('course 2: leave ending before it begins is refused with the reason, the note kept (axe clean)', async () => {
    assert(courseUrl, 'no course');
    const page = hnt.page;
    await visit(page, courseUrl);
    await axe(page);
    await page.locator('#leave-kind').selectOption('parental');
    await page.locator('#leave-from').fill('2027-03-19');
    await page.locator('#leave-to').fill('2027-01-10');
    await page.locator('#leave-note').fill('Avtalt med avdelingen');
    await submit(page, page.getByRole('button', { name: 'Registrer permisjon' }));
    const text = await bodyText(page);
    assert(text.includes('siste dag er før den første'), 'no reason given');
    assert((await page.locator('#leave-note').inputValue()) === 'Avtalt med avdelingen', 'the note was lost');
    await axe(page);
  });
  await check('course 3: ten weeks of parental leave move the municipal start to 10.11.2027 (axe clean)', async () => {
    const page = hnt.page;
    await visit(page, courseUrl);
    await page.locator('#leave-kind').selectOption('parental');
    await page.locator('#leave-from').fill('2027-01-10');
    await page.locator('#leave-to').fill('2027-03-20');
    await submit(page, page.getByRole('button', { name: 'Registrer permisjon' }));
    const text = await bodyText(page);
    assert(text.includes('Permisjonen er registrert'), 'no confirmation');
    assert(text.includes('10.11.2027'), 'the moved municipal start is not shown');
    await axe(page);
  });
  await check('course 4: hnt sets a two-part rotation plan and a supervisor (axe clean)', async () => {
    const page = hnt.page;
    await visit(page, courseUrl);
    await page.locator('#department1').fill('Indremedisin');
    await page.locator('#from1').fill('2026-09-01');
    await page.locator('#to1').fill('2027-02-28');
    await page.locator('#department2').fill('Kirurgi');
    await page.locator('#from2').fill('2027-03-01');
    await page.locator('#to2').fill('2027-11-09');
    for (const f of ['#department3', '#from3', '#to3']) await page.locator(f).fill('');
    await page.locator('#supervisor_name').fill('Dr. Kari Veileder');
    await submit(page, page.getByRole('button', { name: 'Lagre plan' }));
    const text = await bodyText(page);
    assert(text.includes('Planen er lagret'), `not saved: ${text.slice(0, 400)}`);
    assert(text.includes('Dr. Kari Veileder'), 'no supervisor shown');
    await axe(page);
  });
  let drawUrl = '';
  await check('lottery 1: hnt /trekning shows Levanger 01.09.2027 and publishes the commitment (axe clean)', async () => {
    const page = hnt.page;
    await visit(page, '/trekning');
    await axe(page);
    const card = page.locator('li.ds-card', { hasText: '01.09.2027' }).filter({ has: page.locator('input[name=cohort]') }).first();
    assert(await card.count() === 1, 'no Levanger 2027 card');
    // Ranking until the draw (the demo server keeps the real clock).
    await card.locator('input[name=ranking_deadline]').fill('');
    await submit(page, card.getByRole('button', { name: /Publiser forpliktelse/ }));
    await confirmStep(page);
    drawUrl = path(page);
    assert(/^\/trekning\/\d+$/.test(drawUrl), `landed on ${drawUrl}`);
    // The commitment in plain words; the hash folded away in the technical details.
    assert((await bodyText(page)).includes('fingeravtrykk'), 'no commitment explained');
    assert(await page.locator('details#technical code').count() >= 1, 'no commitment hash in the details');
    await axe(page);
  });
  let doctor;
  await check('lottery 2: a doctor ranks Lesja first and Levanger second (axe clean)', async () => {
    doctor = await open('lege.levanger01@demo.lis1.no');
    const page = doctor.page;
    await visit(page, '/min-lis1');
    await axe(page);
    const choices = page.locator('select[name=choice]');
    await choices.nth(0).selectOption({ label: 'Lesja kommune' });
    await choices.nth(1).selectOption({ label: 'Levanger kommune' });
    await submit(page, page.getByRole('button', { name: 'Lagre rangering' }));
    const text = await bodyText(page);
    assert(text.includes('Rangeringen er lagret'), 'not saved');
    assert(text.includes('Lesja kommune, Levanger kommune'), 'the ranking is not shown');
    await axe(page);
  });
  await check('lottery 3: hnt draws; the seed and the result are published (axe clean)', async () => {
    const page = hnt.page;
    await visit(page, '/trekning');
    const card = page.locator('li.ds-card', { hasText: '01.09.2027' }).filter({ has: page.getByRole('button', { name: /Trekk nå/ }) }).first();
    await submit(page, card.getByRole('button', { name: /Trekk nå/ }));
    await confirmStep(page);
    assert(path(page) === drawUrl, `landed on ${path(page)}`);
    const text = await bodyText(page);
    assert(text.includes('Resultat'), 'no result');
    assert(await page.locator('details#technical code').count() === 3, 'no seed in the details');
    assert(await page.locator('a[href$="/eksport.json"]').count() === 1, 'no export link');
    await axe(page);
  });
  await check('lottery 4: the doctor sees the municipality; Levanger kommune its doctors (axe clean)', async () => {
    const page = doctor.page;
    await visit(page, '/min-lis1');
    const place = await page.locator('main strong').first().innerText();
    assert(/kommune/.test(place), `no municipality shown: ${place}`);
    assert(!(await bodyText(page)).includes('Ranger kommunene'), 'still offered to rank');
    await axe(page);
    const levanger = await open('levanger@demo.lis1.no');
    await visit(levanger.page, '/min-lis1');
    assert((await bodyText(levanger.page)).includes('Sykehuset Levanger'), 'no doctors listed');
    await axe(levanger.page);
    await levanger.context.close();
  });
  await check('lottery 5: hdir /trekning shows the late-draw section (axe clean)', async () => {
    const hdir = await open('hdir@demo.lis1.no');
    await visit(hdir.page, '/trekning');
    assert((await bodyText(hdir.page)).includes('Kull som ikke er trukket innen fristen'), 'no late-draw section');
    await axe(hdir.page);
    await hdir.context.close();
  });
  for (const s of [hnt, doctor]) if (s) await s.context.close();
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
  // `locale` also sets the browser's Accept-Language (it overrides extra headers).
  const newContext = async (viewport = { width: 1280, height: 900 }, locale = 'nb-NO') => {
    const context = await browser.newContext({ viewport, locale });
    // A missing element fails its case in seconds, not after playwright's default 30 s.
    context.setDefaultTimeout(5000);
    context.setDefaultNavigationTimeout(15000);
    // Only the portal itself: anything else is recorded and refused.
    await context.route('**/*', (route) => {
      const u = new URL(route.request().url());
      if (u.host === BASE_HOST || u.host === OIDC_HOST || u.protocol === 'data:') return route.continue();
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
        // The choice is stored on the account (a later sign-in without the cookie gets it), so
        // switch back: the later checks sign in as this user again and read bokmål.
        await check('the language link switches back to bokmål', async () => {
          const link = page.locator('header a[href^="/sprak?til=nb"]');
          assert((await link.count()) === 1, 'no language link to bokmål');
          await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.click()]);
          assert((await page.locator('html').getAttribute('lang')) === 'nb', 'html lang is not "nb"');
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

    // ---- Deadlines and obligations (/plikter) and lists (/lister) ----------------------------
    for (const [email, urls] of [
      ['hnt@demo.lis1.no', ['/plikter', '/lister']],
      ['levanger@demo.lis1.no', ['/plikter']],
      ['statsforvalter@demo.lis1.no', ['/plikter', '/lister']],
      ['hdir@demo.lis1.no', ['/plikter', '/lister']],
    ]) {
      const context = await newContext();
      const page = await context.newPage();
      watch(page);
      let signedIn = false;
      await check(`${email} signs in (deadlines and lists)`, async () => {
        await signIn(page, email);
        assert(path(page) === '/oversikt', `landed on ${path(page)}`);
        signedIn = true;
      });
      for (const url of urls) {
        await check(`${email.split('@')[0]} ${url} has one h1, a menu link, and no axe violations`, async () => {
          assert(signedIn, 'not signed in');
          await visit(page, url);
          assert((await page.locator('h1').count()) === 1, 'expected exactly one h1');
          assert((await page.locator(`nav a[href="${url}"]`).count()) === 1, `no menu link to ${url}`);
          await axe(page);
          const list = page.locator('main a[href^="/lister/"]').first();
          if (url === '/lister' && (await list.count()) === 1) {
            await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), list.click()]);
            await axe(page);
          }
        });
      }
      await context.close();
    }
    {
      const context = await newContext();
      const page = await context.newPage();
      watch(page);
      await check('applicant lege1 gets 403 pages on /plikter and /lister (axe clean)', async () => {
        await signIn(page, 'lege1@demo.lis1.no');
        for (const url of ['/plikter', '/lister']) {
          await visit(page, url, 403);
          assert((await bodyText(page)).includes('ikke tilgang'), `no "ikke tilgang" on ${url}`);
          await axe(page);
        }
      });
      await context.close();
    }

    // ---- Hiring: an open round, an advertisement, profiles, applications, assessment ----------
    await hiring(newContext, watch);

    // ---- The demo cohort: leave, rotation plan, the lottery from commitment to result --------
    await lottery(newContext, watch);

    // ---- Each area's own browser module (tests/browser/areas/*.mjs, in name order): it exports
    // `run(t)` and gets the shared helpers, so areas are added without touching this file.
    const areaDir = join(dirname(fileURLToPath(import.meta.url)), 'areas');
    const areas = existsSync(areaDir) ? readdirSync(areaDir).filter((f) => f.endsWith('.mjs')).sort() : [];
    for (const file of areas) {
      const mod = await import(pathToFileURL(join(areaDir, file)).href);
      await mod.run({
        newContext, watch, check, assert, visit, axe, noSidewaysScroll, bodyText, signIn, signOut,
        submit, errorSummary, path, byId, BASE_URL, PASSWORD, OIDC_ISSUER,
      });
    }

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

const started = Date.now();
try {
  await main();
} catch (e) {
  failed++;
  console.log(`not ok - browser run: ${e && e.stack ? e.stack : e}`);
}
console.log(`# browser run took ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
