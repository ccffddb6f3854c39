// National planning (issue 12) on the demo's plan: the directorate reads the national table for
// the cohort starting 1 September 2027 as a chart with its data table, has the counties' split
// proposed by population, drills down Helse
// Midt-Norge → HNT → Sykehuset Levanger, and is refused a change of the fixed national total with
// the numbers named; the coordinator of region Sør opens the call for the two 2028 cohorts,
// Levanger kommune answers it for the autumn cohort, and the county governor approves the
// answer, which counts for that cohort only; the ALIS office proposes Levanger kommune for LIS1 +
// ALIS and the county governor endorses it. Every page visited is checked with axe.

export async function run(t) {
  const { newContext, watch, check, assert, visit, axe, noSidewaysScroll, bodyText, signIn, submit, path } = t;
  const open = async (email, viewport) => {
    const context = await newContext(viewport);
    const page = await context.newPage();
    watch(page);
    await signIn(page, email);
    return { context, page };
  };
  const contexts = [];
  try {
    const hdir = await open('hdir@demo.lis1.no');
    contexts.push(hdir.context);
    await check('planning 1: the national table for autumn 2027 as a chart beside its data table (axe clean)', async () => {
      const page = hdir.page;
      await visit(page, '/planlegging?kull=2027-09-01');
      assert((await page.locator('#plan-total').innerText()).trim() === '593', 'the national total');
      assert(await page.locator('svg#plan-chart[role="img"] title').count() >= 1, 'no accessible chart');
      const table = await page.locator('#plan-table').innerText();
      assert(table.includes('Helse Nord RHF') && table.includes('Helse Sør-Øst RHF'), `the table: ${table}`);
      assert(table.includes('Helse Nord ba om 6'), 'Nord\'s request is not shown as a remark');
      assert(await page.locator('#counties-table').count() === 1, 'no municipal side (counties)');
      await axe(page);
      await noSidewaysScroll(page);
    });
    await check('planning 1b: the counties\' split proposed by population (SSB, 1 January 2024) (axe clean)', async () => {
      const page = hdir.page;
      await visit(page, '/planlegging?kull=2027-09-01');
      await submit(page, page.locator('form#split-counties button[type=submit]'));
      const table = await page.locator('#split-table').innerText();
      assert(table.includes('Trøndelag') && table.includes('484000'), `the counties by population: ${table.slice(0, 400)}`);
      await axe(page);
      await noSidewaysScroll(page);
      // Back to the national table, where the drill-down starts.
      await visit(page, '/planlegging?kull=2027-09-01');
    });
    await check('planning 2: drill down Helse Midt-Norge → HNT → Sykehuset Levanger with its places (axe clean)', async () => {
      const page = hdir.page;
      await submit(page, page.locator('#plan-table a', { hasText: 'Helse Midt-Norge RHF' }));
      await axe(page);
      await submit(page, page.locator('#plan-table a', { hasText: 'Helse Nord-Trøndelag HF' }));
      const table = await page.locator('#plan-table').innerText();
      assert(table.includes('Sykehuset Levanger') && table.includes('14'), `HNT's hospitals: ${table}`);
      await axe(page);
      await submit(page, page.locator('#plan-table a', { hasText: 'Sykehuset Levanger' }));
      assert(await page.locator('#places-table').count() === 1, 'no places table on the hospital');
      assert((await page.locator('#plan-total').innerText()).trim() === '14', 'Levanger\'s positions');
      await axe(page);
      await noSidewaysScroll(page);
    });
    await check('planning 3: the fixed national total is not changed without a decision; the numbers are named', async () => {
      const page = hdir.page;
      await visit(page, '/planlegging?kull=2027-09-01');
      await page.locator('#national-total').fill('600');
      await page.locator('#national-reason').fill('Flere stillinger');
      const status = await submit(page, page.locator('form#national button[type=submit]'));
      assert(status === 422, `answered ${status}`);
      const text = await bodyText(page);
      assert(text.includes('fastsatt til 593') && text.includes('600'), `the message: ${text.slice(0, 400)}`);
      await axe(page);
    });

    const sor = await open('koordinator.sor@demo.lis1.no');
    contexts.push(sor.context);
    let callPath = '';
    await check('planning 4: the coordinator sees the calls and opens the one for 2028 (axe clean)', async () => {
      const page = sor.page;
      await visit(page, '/planlegging/kapasitet');
      const calls = await page.locator('#calls-table').innerText();
      assert(calls.includes('01.03.2028, 01.09.2028') && calls.includes('01.09.2021'), `the calls: ${calls}`);
      await axe(page);
      await submit(page, page.locator('#calls-table tr', { hasText: '01.03.2028' }).locator('a'));
      callPath = path(page);
      assert(/^\/planlegging\/kapasitet\/\d+$/.test(callPath), `landed on ${callPath}`);
      await axe(page);
    });

    const levanger = await open('levanger@demo.lis1.no');
    contexts.push(levanger.context);
    await check('planning 5: Levanger kommune answers the call with places and a justification (axe clean)', async () => {
      const page = levanger.page;
      await visit(page, callPath);
      await axe(page);
      const totals = await page.locator('#totals-table').innerText();
      assert(totals.includes('01.03.2028') && totals.includes('01.09.2028'), `the totals per cohort: ${totals}`);
      const form = page.locator('form[id^="answer-"]');
      assert(await form.count() === 1, 'no answer form for Levanger');
      await form.locator('select[name="cohort"]').selectOption('2028-09-01');
      await form.locator('input[name="places"]').fill('3');
      await form.locator('textarea[name="justification"]').fill('Ny veileder ved legesenteret');
      const status = await submit(page, form.locator('button[type=submit]'));
      assert(status === 200, `answered ${status}`);
      const answers = await page.locator('#answers-table').innerText();
      assert(answers.includes('Levanger') && answers.includes('01.09.2028') && answers.includes('Venter på statsforvalteren'), `the answers: ${answers}`);
      assert((await page.locator('#answered-2028-09-01').innerText()).trim() === '3', 'answered for the autumn cohort');
      assert((await page.locator('#answered-2028-03-01').innerText()).trim() === '0', 'nothing for the spring cohort');
      await axe(page);
    });

    const sf = await open('statsforvalter@demo.lis1.no');
    contexts.push(sf.context);
    await check('planning 6: the county governor approves the answer; it counts as approved places (axe clean)', async () => {
      const page = sf.page;
      await visit(page, callPath);
      const row = page.locator('#answers-table tr', { hasText: 'Levanger' });
      const status = await submit(page, row.getByRole('button', { name: /Godkjenn/ }));
      assert(status === 200, `answered ${status}`);
      const answers = await page.locator('#answers-table').innerText();
      assert(answers.includes('Godkjent'), `the answers: ${answers}`);
      assert((await page.locator('#approved-2028-09-01').innerText()).trim() === '3', 'approved for the autumn cohort');
      assert((await page.locator('#approved-2028-03-01').innerText()).trim() === '0', 'none for the spring cohort');
      await axe(page);
      await noSidewaysScroll(page);
    });

    const alis = await open('alis@demo.lis1.no');
    contexts.push(alis.context);
    await check('planning 7: the ALIS office proposes Levanger kommune for LIS1 + ALIS (axe clean)', async () => {
      const page = alis.page;
      await visit(page, '/planlegging/alis?kull=2027-09-01');
      await axe(page);
      const form = page.locator('form#propose');
      await form.locator('select[name="municipality"]').selectOption({ label: 'Levanger kommune' });
      await form.locator('input[name="positions"]').fill('0');
      await form.locator('textarea[name="justification"]').fill('Rekrutteringssvak kommune med veileder på plass');
      let status = await submit(page, form.locator('button[type=submit]'));
      assert(status === 422, `zero positions answered ${status}`);
      await axe(page);
      await page.locator('form#propose input[name="positions"]').fill('1');
      status = await submit(page, page.locator('form#propose button[type=submit]'));
      assert(status === 200, `answered ${status}`);
      const table = await page.locator('#alis-table').innerText();
      assert(table.includes('Levanger kommune') && table.includes('Venter på statsforvalteren'), `the proposals: ${table}`);
      await axe(page);
      await noSidewaysScroll(page);
    });
    await check('planning 8: the county governor endorses the ALIS proposal (axe clean)', async () => {
      const page = sf.page;
      await visit(page, '/planlegging/alis?kull=2027-09-01');
      await axe(page);
      const row = page.locator('#alis-table tr', { hasText: 'Levanger kommune' });
      const status = await submit(page, row.getByRole('button', { name: /Slutt deg til/ }));
      assert(status === 200, `answered ${status}`);
      const table = await page.locator('#alis-table').innerText();
      assert(table.includes('Tilsluttet'), `the proposals: ${table}`);
      await axe(page);
      await noSidewaysScroll(page);
    });
  } finally {
    for (const c of contexts) await c.close();
  }
}
