// Privacy (issue 18): a doctor reads everything the portal holds about her at /personvern,
// opens a section, downloads the JSON file, and asks for a correction — first too briefly
// (refused at the field, her text kept), then properly. Every page visited is checked with axe,
// at 1280 px and at 390 px.

export async function run(t) {
  const { newContext, watch, check, assert, visit, axe, noSidewaysScroll, bodyText, signIn, submit, errorSummary, BASE_URL } = t;
  const context = await newContext();
  try {
    const page = await context.newPage();
    watch(page);
    await signIn(page, 'lege1@demo.lis1.no');
    await check('privacy 1: /personvern lists her data by section with the retention rules (axe clean)', async () => {
      await visit(page, '/personvern');
      const text = await bodyText(page);
      assert(text.includes('Personvern og dine opplysninger'), 'no heading');
      assert(text.includes('Konto og roller (1)'), `no account section: ${text.slice(0, 600)}`);
      assert(text.includes('slettes 6 måneder etter at runden startet'), 'the retention rules are not shown');
      await page.locator('details#account summary').click();
      assert((await page.locator('details#account').innerText()).includes('lege1@demo.lis1.no'), 'her e-mail is not in the account section');
      await axe(page);
    });
    await check('privacy 2: the JSON download holds her account and nothing of anyone else', async () => {
      const r = await page.request.get(BASE_URL + '/personvern/mine-data.json');
      assert(r.status() === 200, `answered ${r.status()}`);
      assert((r.headers()['content-disposition'] || '').startsWith('attachment'), 'not a download');
      const data = await r.json();
      assert(data.account.email === 'lege1@demo.lis1.no', `account ${JSON.stringify(data.account)}`);
      assert(!JSON.stringify(data).includes('lege2@demo.lis1.no'), 'another doctor is in the export');
    });
    await check('privacy 3: a too-short correction is refused at the field and the text kept; a proper one is confirmed (axe clean)', async () => {
      await visit(page, '/personvern');
      await page.locator('#text').fill('feil');
      const status = await submit(page, page.getByRole('button', { name: 'Send kravet' }));
      assert(status === 422, `answered ${status}`);
      assert((await errorSummary(page)).includes('minst 10 tegn'), await errorSummary(page));
      assert(await page.locator('#text').inputValue() === 'feil', 'the text was not kept');
      assert(await page.locator('#text[aria-invalid="true"]').count() === 1, 'the field is not marked invalid');
      await axe(page);
      await page.locator('#text').fill('Adressen min i profilen er feil: riktig er Storgata 1, 7600 Levanger.');
      const ok = await submit(page, page.getByRole('button', { name: 'Send kravet' }));
      assert(ok === 200, `answered ${ok}`);
      assert((await bodyText(page)).includes('Kravet ditt er sendt'), 'no confirmation');
      await axe(page);
    });
    await check('privacy 4: /personvern at 390 px has no sideways scroll (axe clean)', async () => {
      const small = await newContext({ width: 390, height: 844 });
      try {
        const p = await small.newPage();
        watch(p);
        await signIn(p, 'lege1@demo.lis1.no');
        await visit(p, '/personvern');
        await noSidewaysScroll(p);
        await axe(p);
      } finally {
        await small.close();
      }
    });
    await check('privacy 5: the directorate reads the open correction request at /personvern/krav (1280/390 px, axe clean)', async () => {
      for (const size of [null, { width: 390, height: 844 }]) {
        const ctx = await newContext(size || undefined);
        try {
          const p = await ctx.newPage();
          watch(p);
          await signIn(p, 'hdir@demo.lis1.no');
          await visit(p, '/personvern/krav');
          const text = await bodyText(p);
          assert(text.includes('Storgata 1, 7600 Levanger'), `the request is not listed: ${text.slice(0, 600)}`);
          if (size) await noSidewaysScroll(p);
          await axe(p);
        } finally {
          await ctx.close();
        }
      }
    });
  } finally {
    await context.close();
  }
}
