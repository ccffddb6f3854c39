// Coordinated admission (issue 16): the directorate puts the spring 2027 round (not yet
// announced) in coordinated mode; a doctor opens the round's page — the ranking with numbered
// inputs, the couple form, and (after a match) the explanation, one page — at 1280 px and at
// 390 px; the directorate runs the simulator on the generator's round and reads the report with
// its SVG charts and data tables. The mode is taken off again at the end, so later areas see
// the demo as before. Every page visited is checked with axe.

export async function run(t) {
  const { newContext, watch, check, assert, visit, axe, noSidewaysScroll, bodyText, signIn, signOut, submit } = t;
  const context = await newContext();
  let roundId = null;
  try {
    const page = await context.newPage();
    watch(page);
    await check('coordinated 1: the directorate chooses coordinated admission before the announcement (axe clean)', async () => {
      await signIn(page, 'hdir@demo.lis1.no');
      await visit(page, '/runder');
      const href = await page.locator('a', { hasText: 'LIS1 våren 2027' }).first().getAttribute('href');
      roundId = href.split('/').pop();
      await visit(page, `/runder/${roundId}/samordnet`);
      await axe(page);
      const status = await submit(page, page.getByRole('button', { name: 'Bruk samordnet opptak' }));
      assert(status === 200, `answered ${status}`);
      const text = await bodyText(page);
      assert(text.includes('Venter på matchingen'), 'the mode is not shown');
      assert(text.includes('Forpliktelse til frøet'), 'no seed commitment');
      await axe(page);
    });
    await check('coordinated 2: the simulator compares the four mechanisms with charts and tables (axe clean)', async () => {
      await visit(page, '/samordnet/simulator');
      await axe(page);
      await page.locator('#draws').fill('2');
      await submit(page, page.getByRole('button', { name: 'Kjør simuleringen' }));
      for (let i = 0; i < 120 && (await page.locator('meta[http-equiv="refresh"]').count()) > 0; i++) {
        await page.waitForTimeout(1000);
        await visit(page, new URL(page.url()).pathname);
      }
      const text = await bodyText(page);
      assert(text.includes('Utsatt aksept (DA)') && text.includes('Boston'), 'no mechanisms');
      assert(await page.locator('svg[role="img"]').count() === 4, 'not four charts');
      await axe(page);
      await signOut(page);
    });
    await check('coordinated 3: a doctor\'s ranking and explanation page (axe clean)', async () => {
      await signIn(page, 'lege1@demo.lis1.no');
      await visit(page, `/samordnet/${roundId}`);
      const text = await bodyText(page);
      assert(text.includes('de ordinære tilbudsrundene brukes ikke'), 'no notice about offer rounds');
      assert(text.includes('Søke som par'), 'no couple section');
      await axe(page);
      await visit(page, '/samordnet');
      await axe(page);
    });
    await check('coordinated 4: the ranking page at 390 px has no sideways scroll (axe clean)', async () => {
      const small = await newContext({ width: 390, height: 844 });
      try {
        const p = await small.newPage();
        watch(p);
        await signIn(p, 'lege1@demo.lis1.no');
        await visit(p, `/samordnet/${roundId}`);
        await noSidewaysScroll(p);
        await axe(p);
        await signOut(p);
        await signIn(p, 'hdir@demo.lis1.no');
        await visit(p, `/runder/${roundId}/samordnet`);
        await noSidewaysScroll(p);
        await axe(p);
        await signOut(p);
      } finally {
        await small.close();
      }
    });
    await check('coordinated 5: the directorate takes the mode off again (ordinary offer rounds)', async () => {
      await signOut(page);
      await signIn(page, 'hdir@demo.lis1.no');
      await visit(page, `/runder/${roundId}/samordnet`);
      const status = await submit(page, page.getByRole('button', { name: 'Bruk ordinære tilbudsrunder' }));
      assert(status === 200, `answered ${status}`);
      assert((await bodyText(page)).includes('Ordinære tilbudsrunder'), 'the mode is still on');
      await signOut(page);
    });
  } finally {
    await context.close();
  }
}
