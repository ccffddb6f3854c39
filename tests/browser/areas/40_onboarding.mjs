// Before each start (issue 17): the checklist walked as the doctor, the hospital and the
// municipality, and seen as counts by a coordinator, on the demo's spring 2026 Levanger cohort
// (hospital start 01.09.2026, municipal start 01.09.2027; the lottery walk before this module
// has drawn it and given Ingrid Aune ten weeks of leave). Every page visited is checked with axe.
//
// The demo server keeps the real clock, so dates typed here are "today" in Oslo.

/** Today in Oslo as YYYY-MM-DD. */
function today() {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Oslo', year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(new Date()).map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day}`;
}

/** A date `days` after YYYY-MM-DD. */
function plusDays(iso, days) {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export async function run(t) {
  const { newContext, watch, check, assert, visit, axe, noSidewaysScroll, bodyText, signIn, submit, errorSummary, path, BASE_URL } = t;
  const open = async (email, viewport) => {
    const context = await newContext(viewport);
    const page = await context.newPage();
    watch(page);
    await signIn(page, email);
    return { context, page };
  };
  const contexts = [];
  try {
    // ---- The doctor ------------------------------------------------------------------------
    const thea = await open('lege.levanger11@demo.lis1.no');
    contexts.push(thea.context);
    await check('onboarding 1: a doctor goes from /oppstart to her own checklist; the missing form is overdue (axe clean)', async () => {
      const page = thea.page;
      await visit(page, '/oppstart');
      assert(/^\/oppstart\/lop\/\d+$/.test(path(page)), `landed on ${path(page)}`);
      const hospital = await page.locator('#del-sykehus').innerText();
      assert(hospital.includes('Frist passert'), `the unsigned form is not overdue: ${hospital.slice(0, 400)}`);
      assert(hospital.includes('Smittevernskjema'), 'the infection-control form is not listed');
      const municipal = await page.locator('#del-kommune').innerText();
      assert(municipal.includes('Fornyet politiattest'), 'the renewed police certificate is not listed');
      assert(municipal.includes('01.09.2027'), 'the municipal start is not shown');
      await axe(page);
    });
    await check('onboarding 2: signing without ticking "read" is refused at the checkbox, then she signs (axe clean)', async () => {
      const page = thea.page;
      const form = page.locator('form#sign-infection_control-sykehus');
      assert(await form.count() === 1, 'no signing form for the infection-control form');
      assert((await form.innerText()).includes('versjon 1'), 'the text version is not shown');
      const status = await submit(page, form.getByRole('button', { name: /Signer/ }));
      assert(status === 422, `answered ${status}`);
      assert((await errorSummary(page)).includes('Bekreft at du har lest'), await errorSummary(page));
      assert(await page.locator('#sign-infection_control-sykehus-confirmed_read[aria-invalid="true"]').count() === 1, 'the checkbox is not marked invalid');
      await axe(page);
      await page.locator('#sign-infection_control-sykehus-confirmed_read').check();
      await submit(page, page.locator('form#sign-infection_control-sykehus').getByRole('button', { name: /Signer/ }));
      const hospital = await page.locator('#del-sykehus').innerText();
      assert(hospital.includes('Klar'), `the hospital part is not ready: ${hospital.slice(0, 300)}`);
      assert(hospital.includes('Signert'), 'the signature is not shown');
      await axe(page);
    });
    await check('onboarding 3: a licence that ends before the municipal start is refused with the dates; her authorisation is recorded (axe clean)', async () => {
      const page = thea.page;
      const field = page.locator('#hpr-kommune-hpr_number');
      await field.fill('4111001');
      const status = await submit(page, page.locator('form#hpr-kommune').getByRole('button', { name: /Slå opp/ }));
      assert(status === 422, `answered ${status}`);
      const summary = await errorSummary(page);
      assert(summary.includes('utløper 30.06.2027, før oppstart 01.09.2027'), summary);
      assert((await page.locator('#hpr-kommune-hpr_number').inputValue()) === '4111001', 'what was typed is lost');
      await axe(page);
      await page.locator('#hpr-kommune-hpr_number').fill('4111007');
      await submit(page, page.locator('form#hpr-kommune').getByRole('button', { name: /Slå opp/ }));
      const row = await page.locator('#item-kommune-authorisation').innerText();
      assert(row.includes('HPR 4111007') && row.includes('Levert'), row);
      await axe(page);
    });
    await check('onboarding 4: the checklist reflows on a 390 px phone (axe clean)', async () => {
      const phone = await open('lege.levanger11@demo.lis1.no', { width: 390, height: 800 });
      contexts.push(phone.context);
      await visit(phone.page, '/oppstart');
      await noSidewaysScroll(phone.page);
      await axe(phone.page);
    });

    // ---- The hospital ----------------------------------------------------------------------
    const hnt = await open('hnt@demo.lis1.no');
    contexts.push(hnt.context);
    let olaUrl = '';
    await check('onboarding 5: hnt sees the cohorts and the doctors not ready; the hospital cohort lists rows (axe clean)', async () => {
      const page = hnt.page;
      await visit(page, '/oppstart');
      const text = await bodyText(page);
      assert(text.includes('Ola Moe'), 'Ola Moe (no police certificate) is not listed as not ready');
      await axe(page);
      // The demo's Levanger cohort (1 September 2027); a rest-position hire may add another.
      const link = page.locator('main a[href$="/2027-09-01/sykehus"]', { hasText: 'Sykehuset Levanger: Sykehusdelen' }).first();
      assert(await link.count() === 1, 'no link to the hospital part of the Levanger cohort');
      await submit(page, link);
      assert((await bodyText(page)).includes('Ingrid Aune'), 'the cohort rows are missing');
      await axe(page);
      olaUrl = await page.locator('main table a', { hasText: 'Ola Moe' }).getAttribute('href');
      assert(/^\/oppstart\/lop\/\d+$/.test(olaUrl), `odd link ${olaUrl}`);
    });
    await check('onboarding 6: a police certificate dated after the check is refused, nothing saved (axe clean)', async () => {
      const page = hnt.page;
      await visit(page, olaUrl);
      assert(await page.locator('#del-kommune').count() === 0, 'the hospital sees the municipal part');
      const d = today();
      await page.locator('#police-sykehus-certificate_date').fill(plusDays(d, -1));
      await page.locator('#police-sykehus-checked_on').fill(plusDays(d, -2));
      await page.locator('#police-sykehus-follow_up-nei').check();
      const status = await submit(page, page.locator('form#police-sykehus').getByRole('button', { name: /Registrer kontrollen/ }));
      assert(status === 422, `answered ${status}`);
      assert((await errorSummary(page)).includes('kan ikke være datert etter'), await errorSummary(page));
      assert(await page.locator('#police-sykehus-certificate_date[aria-invalid="true"]').count() === 1, 'the field is not marked');
      assert((await page.locator('#item-sykehus-police_certificate').innerText()).includes('Frist passert'), 'something was saved');
      await axe(page);
    });
    await check('onboarding 7: hnt views an uploaded copy, records the check, and the copy is gone (axe clean)', async () => {
      const page = hnt.page;
      await visit(page, olaUrl);
      const pdf = Buffer.from('%PDF-1.4\n% demo politiattest for nettlesertesten\n%%EOF\n');
      await page.locator('#copy-sykehus-file').setInputFiles({ name: 'politiattest.pdf', mimeType: 'application/pdf', buffer: pdf });
      await submit(page, page.getByRole('button', { name: /Last opp for visning/ }));
      const view = page.locator('a[href^="/oppstart/kopi/"]');
      assert(await view.count() === 1, 'no link to view the copy');
      const href = await view.getAttribute('href');
      await axe(page);
      const resp = await page.request.get(BASE_URL + href);
      assert(resp.status() === 200, `viewing the copy answered ${resp.status()}`);
      assert((resp.headers()['cache-control'] || '').includes('no-store'), 'the copy may be cached');
      // 2026-08-20: within three months of the hospital start 01.09.2026.
      await page.locator('#police-sykehus-certificate_date').fill('2026-08-20');
      await page.locator('#police-sykehus-checked_on').fill(today());
      await page.locator('#police-sykehus-follow_up-nei').check();
      await submit(page, page.locator('form#police-sykehus').getByRole('button', { name: /Registrer kontrollen/ }));
      const row = await page.locator('#item-sykehus-police_certificate').innerText();
      assert(row.includes('Levert') && row.includes('Hilde HR'), row);
      assert((await page.locator('#del-sykehus').innerText()).includes('Klar'), 'the hospital part is not ready');
      const after = await page.request.get(BASE_URL + href);
      assert(after.status() === 404, `the copy is still there (${after.status()})`);
      await axe(page);
    });

    // ---- The municipality ------------------------------------------------------------------
    const levanger = await open('levanger@demo.lis1.no');
    contexts.push(levanger.context);
    await check('onboarding 8: Levanger kommune sees its doctors\' municipal part only; a certificate too old at the start is refused (axe clean)', async () => {
      const page = levanger.page;
      await visit(page, '/oversikt');
      await axe(page);
      await visit(page, '/oppstart');
      await axe(page);
      const link = page.locator('main a[href$="/2027-09-01/kommune"]', { hasText: 'Sykehuset Levanger: Kommunedelen' }).first();
      assert(await link.count() === 1, 'no municipal cohort for Levanger (did the lottery place nobody here?)');
      await submit(page, link);
      await axe(page);
      const doctor = page.locator('main table a[href^="/oppstart/lop/"]').first();
      assert(await doctor.count() === 1, 'no doctor placed in Levanger');
      await submit(page, doctor);
      assert(await page.locator('#del-sykehus').count() === 0, 'the municipality sees the hospital part');
      assert(await page.locator('#del-kommune').count() === 1, 'no municipal part');
      await page.locator('#police-kommune-certificate_date').fill(today());
      await page.locator('#police-kommune-checked_on').fill(today());
      await page.locator('#police-kommune-follow_up-nei').check();
      const status = await submit(page, page.locator('form#police-kommune').getByRole('button', { name: /Registrer kontrollen/ }));
      assert(status === 422, `answered ${status}`);
      assert((await errorSummary(page)).includes('eldre enn 3 måneder ved oppstart'), await errorSummary(page));
      await axe(page);
    });
    await check('onboarding 9: Levanger kommune opens its requirements (axe clean)', async () => {
      const page = levanger.page;
      await visit(page, '/oppstart/krav');
      assert((await bodyText(page)).includes('Kommunedelen'), 'not the municipal part');
      await axe(page);
    });

    // ---- Counts only -----------------------------------------------------------------------
    await check('onboarding 10: a coordinator sees counts, never names (axe clean)', async () => {
      const c = await open('koordinator.sor@demo.lis1.no');
      contexts.push(c.context);
      await visit(c.page, '/oppstart');
      const text = await bodyText(c.page);
      assert(!text.includes('Ola Moe') && !text.includes('Thea Lian'), 'a coordinator sees names');
      await axe(c.page);
      const link = c.page.locator('main a', { hasText: 'Sykehuset Levanger: Sykehusdelen' }).first();
      assert(await link.count() === 1, 'no cohort counts');
      await submit(c.page, link);
      const counts = await bodyText(c.page);
      assert(counts.includes('bare antall') && !counts.includes('Ingrid Aune'), 'not counts only');
      await axe(c.page);
    });
  } finally {
    for (const c of contexts) await c.close();
  }
}
