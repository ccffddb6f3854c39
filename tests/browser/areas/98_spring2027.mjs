// The spring-2027 walk (issue 11, "Done when"; items 11 and 12): the whole round with the demo's
// clock, signed in as each role in turn. The directorate moves the clock into the application
// window; a doctor applies; the union representative registers participation; the clock moves to
// the first offer day; HNT's recruiter sorts the 600 generated applicants (`lis1 demo
// --applicants 600`, started so by scripts/browser-test), bulk-shortlists a page of them and
// offers the ordinary positions; Namsos kommune offers its bound LIS1+ALIS position; two doctors
// accept; Sykehuset Innlandet sees the acceptance in its own applicant list; the ALIS doctor's
// course names Namsos kommune and is not drawn; the clock moves past the reply deadline and the
// unanswered offer expires; every role's home page is read.
//
// Every page visited is checked at 1280 and at 390 CSS px: axe-core at 0 violations, the page
// no wider than the window (`scrollWidth <= innerWidth`; wide tables scroll in their own
// region), and every link and button in the main content reachable (inside the window, or in a
// sideways-scrolling region that is). Screenshots of both widths: tests/browser/out/spring2027/.
//
// Self-contained: its own advertisements and doctors (seeded by the option above). Runs just
// before 99_demo_clock, since the clock only moves forward; it stays before 1 March 2027 09:00,
// where that area moves it.

import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'out', 'spring2027');
const NAMSOS_TITLE = 'LIS1 ved Sykehuset Namsos med kommuner i Namdalen – våren 2027';
const INNLANDET_TITLE = 'LIS1 ved Sykehuset Innlandet Lillehammer – våren 2027';
const VILDE = { email: 'vaar2027.lege1@demo.lis1.no', name: 'Vilde Vårsøker' };
const VEGARD = { email: 'vaar2027.lege2@demo.lis1.no', name: 'Vegard Vårsøker' };
const VERA = { email: 'vaar2027.lege3@demo.lis1.no', name: 'Vera Vårsøker' };
const GENERATED = 600;

export async function run(t) {
  const { newContext, watch, check, assert, visit, axe, noSidewaysScroll, bodyText, signIn, submit, errorSummary, path } = t;
  mkdirSync(OUT, { recursive: true });
  const shots = [];

  /** Every link and button in <main> that sticks out of the window must sit in a region that
   * scrolls sideways and itself starts inside the window (so it can be scrolled to). */
  const reachable = async (page) => {
    const lost = await page.evaluate(() => {
      const out = [];
      for (const el of document.querySelectorAll('main a[href], main button, main input, main select')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue; // hidden (closed <details>, sr-only inputs)
        if (getComputedStyle(el).visibility === 'hidden') continue;
        if (r.right <= window.innerWidth + 0.5 && r.left >= -0.5) continue;
        let box = el.parentElement;
        let ok = false;
        while (box && box !== document.body) {
          const s = getComputedStyle(box);
          if (['auto', 'scroll'].includes(s.overflowX) && box.scrollWidth > box.clientWidth) {
            const b = box.getBoundingClientRect();
            ok = b.left >= -0.5 && b.left < window.innerWidth && (box.tabIndex >= 0 || el.tabIndex >= 0);
            break;
          }
          box = box.parentElement;
        }
        if (!ok) out.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.value || el.name || '').trim().slice(0, 40)}" (${Math.round(r.left)}–${Math.round(r.right)})`);
      }
      return out;
    });
    assert(lost.length === 0, `out of reach at ${page.viewportSize().width} px on ${path(page)}: ${lost.slice(0, 5).join(', ')}`);
  };

  /** The page at 1280 and at 390 px: axe, no sideways scrolling, row actions reachable, a screenshot of each. */
  const look = async (page, name) => {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 1280 ? 900 : 844 });
      const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert(scroll <= inner, `${path(page)} is ${scroll} px wide in a ${inner} px window`);
      await noSidewaysScroll(page);
      await reachable(page);
      await axe(page);
      const file = join(OUT, `${name}-${width}.png`);
      // Long pages (a page of applicants at 390 px) take a while to capture on a busy machine.
      await page.screenshot({ path: file, fullPage: true, timeout: 60000 });
      shots.push(file);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  };

  const contexts = [];
  const open = async (email) => {
    const context = await newContext();
    // Pages of 600 applicants on a machine shared with compilers: more than the usual 5 s.
    context.setDefaultTimeout(20000);
    context.setDefaultNavigationTimeout(30000);
    contexts.push(context);
    const page = await context.newPage();
    watch(page);
    await signIn(page, email);
    assert(path(page) === '/oversikt', `${email} landed on ${path(page)} after signing in`);
    return page;
  };

  /** The directorate moves the demo's clock; everyone signs in again afterwards. */
  const setClock = async (to, shown, name) => {
    const page = await open('hdir@demo.lis1.no');
    await visit(page, '/demo/klokke');
    await page.locator('#to').fill(to);
    const status = await submit(page, page.getByRole('button', { name: 'Still klokken' }));
    // Saved, the form redirects to itself; the sessions are idle since the jump, so that is the
    // sign-in page, which leads back.
    assert(status === 200 && ['/demo/klokke', '/logg-inn?neste=/demo/klokke'].includes(path(page)), `answered ${status} at ${path(page)}: ${await errorSummary(page)}`);
    await signIn(page, 'hdir@demo.lis1.no');
    const banner = await page.locator('#demo-clock').innerText();
    assert(banner.includes(shown), `the banner says ${JSON.stringify(banner)}, not ${shown}`);
    await visit(page, '/demo/klokke');
    await look(page, name);
  };

  let adId = null;
  let siAdId = null;
  const applicants = () => `/utlysninger/${adId}/sokere`;

  /** Ticks the rows of `names` (searching by e-mail), chooses the bulk action and confirms. */
  const bulk = async (page, query, names, action, position, name) => {
    await visit(page, `${applicants()}?q=${encodeURIComponent(query)}`);
    for (const n of names) {
      const row = page.locator('#bulk-form tbody tr', { hasText: n });
      assert(await row.count() === 1, `${n} is not in the list for ${query}`);
      await row.getByRole('checkbox').check();
    }
    await page.locator('#bulk-handling').selectOption(action);
    if (position) await page.locator('#bulk-stilling').selectOption({ label: position });
    await submit(page, page.getByRole('button', { name: 'Gå videre' }));
    for (const n of names) assert((await bodyText(page)).includes(n), `the confirmation does not name ${n}`);
    if (name) await look(page, name);
    await submit(page, page.getByRole('button', { name: 'Bekreft', exact: true }));
    assert((await bodyText(page)).includes(`Endret ${names.length}.`), `no "Endret ${names.length}.": ${await errorSummary(page)}`);
  };

  /** "Gi tilbud til neste på innstillingen …" for position `seq` (its button names it), confirmed. */
  const offerNext = async (page, seq, names, name) => {
    await visit(page, `/utlysninger/${adId}/innstilling`);
    const button = page.getByRole('button', { name: new RegExp(`^Gi tilbud til neste.*: Stilling ${seq}$`) });
    assert(await button.count() === 1, `${await button.count()} "Gi tilbud til neste" buttons for position ${seq}`);
    await submit(page, button);
    const text = await bodyText(page);
    for (const who of names) assert(text.includes(who), `the confirmation does not name ${who}`);
    await look(page, name);
    await submit(page, page.getByRole('button', { name: new RegExp(`^Gi tilbudene \\(${names.length}\\)`) }));
    assert(path(page).startsWith(`/utlysninger/${adId}/innstilling?tilbud=`), `landed on ${path(page)}: ${await errorSummary(page)}`);
    assert((await bodyText(page)).includes('Tilbud er gitt.'), 'no "Tilbud er gitt."');
  };

  try {
    await check('spring 1: hdir moves the demo clock into the application window (25.01.2027); the banner shows it (1280/390 px, axe clean)', async () => {
      await setClock('2027-01-25T10:00', '25.01.2027', '01-klokke-januar');
    });

    await check('spring 2: a doctor finds the Namsos advertisement on the public list and applies (1280/390 px, axe clean)', async () => {
      const page = await open(VERA.email);
      await look(page, '02-vera-oversikt');
      await visit(page, '/stillinger');
      await look(page, '02-stillinger');
      const link = page.getByRole('link', { name: NAMSOS_TITLE });
      assert(await link.count() >= 1, 'the advertisement is not on /stillinger');
      await submit(page, link.first());
      const m = /^\/utlysninger\/(\d+)$/.exec(path(page));
      assert(m, `the link went to ${path(page)}`);
      adId = m[1];
      await look(page, '02-utlysning');
      await submit(page, page.getByRole('link', { name: 'Søk på stillingen' }));
      assert(path(page) === `/utlysninger/${adId}/sok`, `landed on ${path(page)}`);
      await page.getByRole('checkbox', { name: /^Ordinær LIS1 \(/ }).check();
      if (await page.locator('#a-applies_for_bound-no').count()) await page.locator('#a-applies_for_bound-no').check();
      await page.locator('#motivation').fill('Jeg vil gjerne arbeide i Namdalen.');
      await look(page, '02-soknad');
      await submit(page, page.locator('main form button[type=submit]').last());
      assert(path(page) === '/soknader?kvittering=1', `landed on ${path(page)}: ${await errorSummary(page)}`);
      assert((await bodyText(page)).includes('Søknaden er sendt.'), 'no receipt');
      await look(page, '02-kvittering');
    });

    await check('spring 3: the union representative registers participation in the hiring (1280/390 px, axe clean)', async () => {
      assert(adId, 'no advertisement');
      const page = await open('tillitsvalgt@demo.lis1.no');
      await look(page, '03-tillitsvalgt-oversikt');
      await visit(page, `/utlysninger/${adId}`);
      const button = page.getByRole('button', { name: 'Meld deltakelse i ansettelsen' });
      assert(await button.count() === 1, 'no "Meld deltakelse i ansettelsen"');
      await submit(page, button);
      await visit(page, `/utlysninger/${adId}`);
      assert((await bodyText(page)).includes('Du deltar i ansettelsen'), 'participation is not shown');
      await look(page, '03-deltar');
      await visit(page, applicants());
      assert((await bodyText(page)).includes(VERA.name) || (await page.locator('#applicants-count').count()) === 1, 'the representative cannot read the applications');
    });

    await check('spring 4: hdir moves the clock to the first offer day (23.02.2027 09:05)', async () => {
      await setClock('2027-02-23T09:05', '23.02.2027', '04-klokke-tilbudsdag');
    });

    let recruiter = null;
    await check(`spring 5: HNT's recruiter sees the ad on the home page and ${GENERATED}+ applicants, sorts them by name (1280/390 px, axe clean)`, async () => {
      assert(adId, 'no advertisement');
      recruiter = await open('hnt@demo.lis1.no');
      const page = recruiter;
      await look(page, '05-hnt-oversikt');
      await visit(page, applicants());
      const count = await page.locator('#applicants-count').innerText();
      const total = Number((/\((\d+)/.exec(count) || [])[1]);
      assert(total >= GENERATED + 3, `the list says ${JSON.stringify(count)}`);
      await page.locator('#f-sorter').selectOption('navn');
      await submit(page, page.getByRole('button', { name: 'Filtrer' }).first());
      assert(path(page).includes('sorter=navn'), `the sort is not in the URL: ${path(page)}`);
      const names = await page.locator('#bulk-form tbody th[scope=row] a').allInnerTexts();
      assert(names.length >= 10, `only ${names.length} rows`);
      // Letters with accents sort with their base letter; equal names in any order.
      const collator = new Intl.Collator('nb', { sensitivity: 'base' });
      for (let i = 1; i < names.length; i++) {
        assert(collator.compare(names[i - 1], names[i]) <= 0, `not by name: ${names[i - 1]} before ${names[i]}`);
      }
      await look(page, '05-sokere-navn');
    });

    await check('spring 6: the recruiter bulk-shortlists a whole page of applicants with one confirmation', async () => {
      assert(recruiter, 'no recruiter');
      const page = recruiter;
      await visit(page, `${applicants()}?sorter=poeng`);
      const boxes = page.locator('#bulk-form tbody input[type=checkbox][name=valgt]');
      const n = await boxes.count();
      assert(n >= 10, `only ${n} rows on the page`);
      for (let i = 0; i < n; i++) await boxes.nth(i).check();
      await page.locator('#bulk-handling').selectOption('intervju');
      await submit(page, page.getByRole('button', { name: 'Gå videre' }));
      await look(page, '06-bekreft-intervju');
      await submit(page, page.getByRole('button', { name: 'Bekreft', exact: true }));
      const text = await bodyText(page);
      const m = /Endret (\d+)\./.exec(text);
      assert(m && Number(m[1]) >= 1 && Number(m[1]) <= n, `no "Endret N.": ${await errorSummary(page)}`);
      await visit(page, `${applicants()}?intervju=ja`);
      const count = await page.locator('#applicants-count').innerText();
      const matching = Number((/av (\d+) som passer/.exec(count) || [])[1]);
      assert(matching === n, `the shortlisted filter says ${JSON.stringify(count)}, ${n} expected`);
      await look(page, '06-intervju');
    });

    await check('spring 7: the recruiter puts two doctors on the innstilling and offers the ordinary positions (1280/390 px, axe clean)', async () => {
      assert(recruiter, 'no recruiter');
      const page = recruiter;
      await bulk(page, 'vaar2027.lege', [VILDE.name, VERA.name], 'innstilling', null, '07-bekreft-innstilling');
      await offerNext(page, 1, [VILDE.name, VERA.name], '07-bekreft-tilbud');
      await look(page, '07-innstilling');
    });

    await check('spring 8: Namsos kommune, the later employer, offers its bound LIS1+ALIS position (1280/390 px, axe clean)', async () => {
      assert(adId, 'no advertisement');
      const page = await open('namsos@demo.lis1.no');
      await look(page, '08-namsos-oversikt');
      await visit(page, `${applicants()}?q=${encodeURIComponent(VEGARD.email)}`);
      await look(page, '08-namsos-sokere');
      await bulk(page, VEGARD.email, [VEGARD.name], 'innstilling', null, null);
      await offerNext(page, 2, [VEGARD.name], '08-bekreft-tilbud');
    });

    await check('spring 9: two doctors see their offers with the deadline on the home page and accept (1280/390 px, axe clean)', async () => {
      for (const [who, n] of [[VILDE, '09-vilde'], [VEGARD, '09-vegard']]) {
        const page = await open(who.email);
        const tasks = page.locator('#tasks ~ ul, #tasks + p').first();
        assert((await tasks.innerText()).includes('26.02.2027'), `${who.name}'s home page does not show the reply deadline: ${await tasks.innerText()}`);
        await look(page, `${n}-oversikt`);
        await visit(page, '/tilbud');
        assert((await bodyText(page)).includes('26.02.2027 kl. 12.00'), 'the offer does not show its reply deadline');
        await look(page, `${n}-tilbud`);
        const accept = page.getByRole('button', { name: /^Takk ja/ });
        assert(await accept.count() === 1, `${who.name} has ${await accept.count()} "Takk ja" buttons`);
        await submit(page, accept);
        assert((await bodyText(page)).includes('Akseptert') || (await bodyText(page)).includes('takket ja'), `${who.name}'s acceptance is not shown`);
        await look(page, `${n}-akseptert`);
      }
    });

    await check('spring 10: Sykehuset Innlandet sees the acceptance at Namsos in its own applicant list (1280/390 px, axe clean)', async () => {
      const page = await open('innlandet@demo.lis1.no');
      await look(page, '10-innlandet-oversikt');
      await visit(page, '/utlysninger');
      const link = page.getByRole('link', { name: INNLANDET_TITLE });
      assert(await link.count() >= 1, 'Innlandet\'s advertisement is not on /utlysninger');
      await submit(page, link.first());
      siAdId = (/^\/utlysninger\/(\d+)$/.exec(path(page)) || [])[1];
      assert(siAdId, `landed on ${path(page)}`);
      await visit(page, `/utlysninger/${siAdId}/sokere`);
      const row = page.locator('#bulk-form tbody tr, main tbody tr', { hasText: VILDE.name }).first();
      const status = await row.innerText();
      assert(status.includes('Har takket ja til stilling ved') && status.includes('Sykehuset Namsos'), `Vilde's row: ${JSON.stringify(status)}`);
      await look(page, '10-innlandet-sokere');
    });

    await check('spring 11: the LIS1+ALIS doctor\'s course names Namsos kommune and is not in the lottery (1280/390 px, axe clean)', async () => {
      const page = await open(VEGARD.email);
      await visit(page, '/min-lis1');
      const text = await bodyText(page);
      assert(text.includes('Namsos kommune'), `the course does not name Namsos kommune: ${text.slice(0, 600)}`);
      assert(!text.includes('Trekkes'), 'the municipality is still to be drawn');
      assert(await page.locator('main a[href^="/trekning/"]').count() === 0, 'the course links to a lottery');
      await look(page, '11-vegard-lop');
      // Vilde, in an ordinary position, is drawn later: the contrast that makes the check mean something.
      const vilde = await open(VILDE.email);
      await visit(vilde, '/min-lis1');
      assert((await bodyText(vilde)).includes('Trekkes'), 'the ordinary doctor\'s municipality is not "to be drawn"');
    });

    await check('spring 12: past the reply deadline (26.02.2027 12:30) the unanswered offer expires (1280/390 px, axe clean)', async () => {
      const page = await open(VERA.email);
      await visit(page, '/tilbud');
      assert((await page.getByRole('button', { name: /^Takk ja/ }).count()) === 1, 'Vera has no open offer before the deadline');
      await setClock('2027-02-26T12:30', '26.02.2027', '12-klokke-svarfrist');
      // The offer housekeeping runs once a minute on the demo's clock.
      const vera = await open(VERA.email);
      let text = '';
      for (let i = 0; i < 30; i++) {
        await visit(vera, '/tilbud');
        text = await bodyText(vera);
        if (text.includes('Utløpt')) break;
        await vera.waitForTimeout(3000);
      }
      assert(text.includes('Utløpt'), `the offer did not expire: ${text.slice(0, 600)}`);
      assert((await vera.getByRole('button', { name: /^Takk ja/ }).count()) === 0, 'an expired offer can still be accepted');
      await look(vera, '12-vera-utlopt');
      const hnt = await open('hnt@demo.lis1.no');
      await visit(hnt, `/utlysninger/${adId}/innstilling`);
      assert((await bodyText(hnt)).includes('Utløpt'), 'the innstilling does not show the expired offer');
      await look(hnt, '12-innstilling-utlopt');
    });

    for (const email of ['statsforvalter@demo.lis1.no', 'koordinator.nord@demo.lis1.no', 'alis@demo.lis1.no', 'rhf.midt@demo.lis1.no', 'levanger@demo.lis1.no', 'hdir@demo.lis1.no']) {
      const who = email.split('@')[0];
      await check(`spring 13: ${who}'s home page lists its tasks (1280/390 px, axe clean)`, async () => {
        const page = await open(email);
        assert(await page.locator('h1').count() === 1, 'not one h1');
        assert(!(await bodyText(page)).includes('kommer i neste versjon'), 'still the placeholder');
        await look(page, `13-${who}-oversikt`);
      });
    }
  } finally {
    for (const c of contexts) await c.close().catch(() => {});
    if (shots.length) console.log(`# spring 2027: ${shots.length} screenshots in ${OUT}`);
  }
}
