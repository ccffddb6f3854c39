// Bound positions over 6.5 years and ALIS in hospital (issue 13), on the demo's spring 2026
// cohort: the bound LIS3 psychiatry doctor reads her plan, HNT (the later employer) sees its
// bound doctors and makes the BUP doctor's plan (a LIS3 start before LIS1 can be complete is
// refused with the date), the forward capacity as a chart and tables, Levanger kommune confirms
// the ALIS offer and is refused a request without a name, and HNT's coordinator is refused an
// offer too far from the wish. Every page visited is checked with axe.
//
// The demo server keeps the real clock; the demo's ALIS offer must be confirmed by 01.03.2027.

export async function run(t) {
  const { newContext, watch, check, assert, visit, axe, noSidewaysScroll, bodyText, signIn, submit, errorSummary, path } = t;
  const open = async (email, viewport) => {
    const context = await newContext(viewport);
    const page = await context.newPage();
    watch(page);
    await signIn(page, email);
    return { context, page };
  };
  const contexts = [];
  try {
    const vilde = await open('bundet.psykiatri@demo.lis1.no');
    contexts.push(vilde.context);
    await check('bound 1: the bound doctor goes from /bundet to her own plan with its deadlines (axe clean)', async () => {
      const page = vilde.page;
      await visit(page, '/bundet');
      assert(/^\/bundet\/\d+$/.test(path(page)), `landed on ${path(page)}`);
      const plan = await page.locator('#plan-parts').innerText();
      assert(plan.includes('LIS3 psykiatri') && plan.includes('01.03.2028') && plan.includes('28.02.2033'), `the plan: ${plan}`);
      const deadlines = await page.locator('#plan-deadlines').innerText();
      assert(deadlines.includes('LIS3/ALIS-kontrakt signert') && deadlines.includes('Oppfylt'), `the deadlines: ${deadlines}`);
      assert(await page.locator('main form[action^="/bundet/"]').count() === 0, 'the doctor has forms');
      await axe(page);
      await noSidewaysScroll(page);
    });
    await check('bound 2: the doctor sees her plan on the home page (axe clean)', async () => {
      const page = vilde.page;
      await visit(page, '/oversikt');
      assert(await page.locator('#bound-attention').count() === 1, 'no bound block on the home page');
      await axe(page);
    });

    const hnt = await open('hnt@demo.lis1.no');
    contexts.push(hnt.context);
    await check('bound 3: HNT sees only its bound doctors, with start and condition (axe clean)', async () => {
      const page = hnt.page;
      await visit(page, '/bundet');
      const text = await page.locator('#bound-doctors').innerText();
      assert(text.includes('Vilde Psykiatri') && text.includes('Tobias Bup'), `the list: ${text}`);
      assert(!text.includes('Kari Allmenn'), 'HNT sees Levanger\'s ALIS doctor');
      await axe(page);
    });
    await check('bound 4: a LIS3 start before LIS1 can be complete is refused at the field with the date, then the plan is made (axe clean)', async () => {
      const page = hnt.page;
      await visit(page, '/bundet');
      await submit(page, page.locator('#bound-doctors a', { hasText: 'Tobias Bup' }));
      await axe(page);
      await page.locator('#create-later_start').fill('2027-06-01');
      const status = await submit(page, page.locator('form#create button[type=submit]'));
      assert(status === 422, `answered ${status}`);
      const summary = await errorSummary(page);
      assert(summary.includes('01.03.2028'), summary);
      assert(await page.locator('#create-later_start[aria-invalid="true"]').count() === 1, 'the field is not marked invalid');
      await axe(page);
      await page.locator('#create-later_start').fill('');
      const ok = await submit(page, page.locator('form#create button[type=submit]'));
      assert(ok === 200, `answered ${ok}`);
      assert((await bodyText(page)).includes('Lagret.'), 'not saved');
      assert(await page.locator('form#contract').count() === 1, 'no contract form after the plan is made');
      await axe(page);
    });
    await check('bound 5: forward capacity as a chart with its data table and per organisation (axe clean)', async () => {
      const page = hnt.page;
      await visit(page, '/bundet/kapasitet');
      assert(await page.locator('svg#capacity-chart[role="img"] title').count() >= 1, 'no accessible chart');
      const total = await page.locator('#capacity-total').innerText();
      assert(total.includes('LIS3'), `the data table: ${total}`);
      const groups = await page.locator('#capacity-groups').innerText();
      assert(groups.includes('Helse Nord-Trøndelag'), `the groups: ${groups}`);
      await axe(page);
      await noSidewaysScroll(page);
    });

    const levanger = await open('levanger@demo.lis1.no');
    contexts.push(levanger.context);
    await check('bound 6: Levanger confirms the ALIS offer in time (axe clean)', async () => {
      const page = levanger.page;
      await visit(page, '/alis-sykehus');
      await axe(page);
      const row = page.locator('#alis-own tr', { hasText: 'Åse Fastlege' });
      assert(await row.count() === 1, 'no request for Åse Fastlege');
      const status = await submit(page, row.getByRole('button', { name: /Bekreft/ }));
      assert(status === 200, `answered ${status}`);
      assert((await page.locator('#alis-own tr', { hasText: 'Åse Fastlege' }).innerText()).includes('Bekreftet'), 'not confirmed');
      await axe(page);
    });
    await check('bound 7: a request without the doctor\'s name is refused at the field (axe clean)', async () => {
      const page = levanger.page;
      await visit(page, '/alis-sykehus');
      await page.locator('#request-municipal_since').fill('2025-01-01');
      await page.locator('#request-start').fill('2028-09-01');
      const status = await submit(page, page.locator('form#request button[type=submit]'));
      assert(status === 422, `answered ${status}`);
      assert((await errorSummary(page)).includes('navnet'), await errorSummary(page));
      assert(await page.locator('#request-doctor_name[aria-invalid="true"]').count() === 1, 'the name is not marked invalid');
      await axe(page);
    });
    const lis3 = await open('lis3.hnt@demo.lis1.no');
    contexts.push(lis3.context);
    await check('bound 8: HNT\'s LIS3 coordinator sees the queue and is refused an offer more than 6 months from the wish (axe clean)', async () => {
      const page = lis3.page;
      await visit(page, '/alis-sykehus');
      const row = page.locator('tr', { hasText: 'Per Distrikt' });
      assert(await row.count() === 1, 'Per Distrikt is not in the queue');
      await row.locator('input[name="start"]').fill('2029-01-01');
      const status = await submit(page, row.getByRole('button', { name: /Send tilbudet/ }));
      assert(status === 422, `answered ${status}`);
      assert((await errorSummary(page)).includes('6 måneder'), await errorSummary(page));
      await axe(page);
    });
  } finally {
    for (const c of contexts) await c.close();
  }
}
