// Nynorsk (issue 15, item 8): a visitor switches to nynorsk with the header's language switch
// (Bokmål, Nynorsk, English), the page says lang="nn", the switch marks Nynorsk as current, and
// the interface texts are nynorsk; the choice stays after signing in. A browser that asks for
// nynorsk (Accept-Language: nn-NO) gets it without the switch. Every page is checked with axe.

export async function run(t) {
  const { newContext, watch, check, assert, visit, axe, bodyText, signIn, path } = t;
  const context = await newContext();
  try {
    const page = await context.newPage();
    watch(page);
    await check('nynorsk 1: the switch offers Bokmål, Nynorsk and English, and switches to nynorsk (axe clean)', async () => {
      await visit(page, '/runder');
      const links = page.locator('header nav.app-langs a');
      assert((await links.count()) === 3, `${await links.count()} language links`);
      for (const [tag, name] of [['nb', 'Bokmål'], ['nn', 'Nynorsk'], ['en', 'English']]) {
        const link = page.locator(`header a[hreflang="${tag}"][lang="${tag}"]`);
        assert((await link.count()) === 1, `no link to ${tag}`);
        assert((await link.innerText()).trim() === name, `the ${tag} link reads ${await link.innerText()}`);
      }
      assert((await page.locator('header a[hreflang="nb"]').getAttribute('aria-current')) === 'true', 'bokmål is not marked current');
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.locator('header a[hreflang="nn"]').click()]);
      assert(path(page) === '/runder', `came back to ${path(page)}, not /runder`);
      assert((await page.locator('html').getAttribute('lang')) === 'nn', 'html lang is not "nn"');
      assert((await page.locator('header a[hreflang="nn"]').getAttribute('aria-current')) === 'true', 'nynorsk is not marked current');
      assert((await page.locator('header a[aria-current="true"]').count()) === 1, 'more than one language is current');
      const text = await bodyText(page);
      assert(text.includes('Utlysingsrundar'), `no nynorsk heading: ${text.slice(0, 300)}`);
      assert(!text.includes('Utlysningsrunder'), 'the bokmål heading is still there');
      await axe(page);
    });
    await check('nynorsk 2: signed in, the doctor\'s pages stay in nynorsk (axe clean)', async () => {
      await signIn(page, 'lege1@demo.lis1.no');
      await visit(page, '/oversikt');
      assert((await page.locator('html').getAttribute('lang')) === 'nn', 'html lang is not "nn" after sign-in');
      assert((await page.locator('nav[aria-label="Hovudmeny"]').count()) === 1, 'the main menu is not labelled in nynorsk');
      assert((await page.locator('header button[type=submit]').innerText()).includes('Logg ut'), 'no sign-out button');
      await axe(page);
      // Every page of the doctor's menu: nynorsk, and none of the menu's bokmål words.
      const hrefs = await page.locator('nav.app-nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert(hrefs.length >= 4, `only ${hrefs.length} menu links`);
      for (const href of hrefs) {
        await visit(page, href);
        assert((await page.locator('html').getAttribute('lang')) === 'nn', `${href}: html lang is not "nn"`);
        const menu = await page.locator('nav.app-nav').innerText();
        for (const nb of ['Mine søknader', 'Mine tilbud', 'Ledige stillinger', 'Reststillinger', 'Trekning']) {
          assert(!menu.includes(nb), `${href}: the menu still says «${nb}»`);
        }
        await axe(page);
      }
    });
  } finally {
    await context.close();
  }
  const asking = await newContext(undefined, 'nn-NO');
  try {
    await asking.setExtraHTTPHeaders({ 'Accept-Language': 'nn-NO,nn;q=0.9,nb;q=0.5' });
    const page = await asking.newPage();
    watch(page);
    await check('nynorsk 3: a browser that asks for nn-NO gets nynorsk without the switch (axe clean)', async () => {
      await visit(page, '/logg-inn');
      assert((await page.locator('html').getAttribute('lang')) === 'nn', 'html lang is not "nn"');
      assert((await page.locator('nav[aria-label="Hovudmeny"]').count()) === 1, 'the main menu is not labelled in nynorsk');
      assert((await page.locator('a.ds-skip-link').textContent()).includes('Hopp til hovudinnhaldet'), 'the skip link is not nynorsk');
      assert((await page.locator('header a[hreflang="nn"]').getAttribute('aria-current')) === 'true', 'nynorsk is not marked current');
      await axe(page);
    });
  } finally {
    await asking.close();
  }
}
