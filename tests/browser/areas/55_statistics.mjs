// Statistics (issue 14): anyone, without signing in, reads /statistikk — the trend chart with its
// data table and the published figures of earlier rounds — and a round's report, where no
// person count under 5 shows; the directorate sees every figure and the follow-up evaluation; a
// bound doctor gives consent on her privacy page. Every page visited is checked with axe, at
// 1280 px and at 390 px.

export async function run(t) {
  const { newContext, watch, check, assert, visit, axe, noSidewaysScroll, bodyText, signIn, signOut, submit, BASE_URL } = t;
  const context = await newContext();
  try {
    const page = await context.newPage();
    watch(page);
    let roundPath = null;
    await check('statistics 1: /statistikk without signing in shows the trend as a chart and a table (axe clean)', async () => {
      await visit(page, '/statistikk');
      const text = await bodyText(page);
      assert(text.includes('Utviklingen over rundene'), 'no trend heading');
      assert(await page.locator('svg[role="img"] title').count() === 1, 'the chart has no title');
      assert((await page.locator('#chart-desc').textContent()).includes('Søkere gikk fra'), 'the chart has no summary');
      assert(text.includes('Publisert tall fra før portalen'), 'the earlier rounds are not marked');
      assert(await page.locator('#trend-table tbody tr').count() >= 6, 'the data table is short');
      await axe(page);
      const link = page.locator('#stats-rounds a').last();
      roundPath = await link.getAttribute('href');
    });
    await check('statistics 2: a round report shows no person count under 5 without signing in (axe clean)', async () => {
      await visit(page, roundPath);
      const small = await page.locator('table[id^="table-"]:not(#table-region):not(#table-trust):not(#table-site) td').evaluateAll(
        (cells) => cells.map((c) => c.textContent.trim()).filter((x) => ['1', '2', '3', '4'].includes(x)));
      assert(small.length === 0, `small cells shown: ${small}`);
      await axe(page);
      const r = await page.request.get(BASE_URL + roundPath + '/last-ned?tabell=education&format=csv');
      assert(r.status() === 200, `the download answered ${r.status()}`);
    });
    await check('statistics 3: the directorate sees every figure and the follow-up evaluation (axe clean)', async () => {
      await signIn(page, 'hdir@demo.lis1.no');
      await visit(page, roundPath);
      assert((await bodyText(page)).includes('Du ser alle tall uten skjuling'), 'no full-detail notice');
      await axe(page);
      await visit(page, '/statistikk/evaluering');
      assert((await bodyText(page)).includes('Leger med samtykke'), 'no evaluation');
      await axe(page);
      await signOut(page);
    });
    await check('statistics 4: a bound doctor gives consent on her privacy page and sees it kept (axe clean)', async () => {
      await signIn(page, 'bundet.bup@demo.lis1.no');
      await visit(page, '/personvern');
      await page.locator('#consent-yes').check();
      const status = await submit(page, page.getByRole('button', { name: 'Lagre svaret' }));
      assert(status === 200, `answered ${status}`);
      const text = await bodyText(page);
      assert(text.includes('Svaret ditt er lagret'), 'no confirmation');
      assert(text.includes('Du har samtykket.'), 'the answer is not shown');
      await axe(page);
      await signOut(page);
    });
    await check('statistics 5: /statistikk at 390 px has no sideways scroll (axe clean)', async () => {
      const small = await newContext({ width: 390, height: 844 });
      try {
        const p = await small.newPage();
        watch(p);
        await visit(p, '/statistikk');
        await noSidewaysScroll(p);
        await axe(p);
        await visit(p, roundPath);
        await noSidewaysScroll(p);
        await axe(p);
      } finally {
        await small.close();
      }
    });
  } finally {
    await context.close();
  }
}
