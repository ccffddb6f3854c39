// The demo's clock (issue 11, item 12) — run last, since the clock only moves forward: the
// directorate's demo user moves the portal to the first offer day of the spring 2027 round, and
// every page then says so in a banner. Axe clean, at 1280 px.

export async function run(t) {
  const { newContext, watch, check, assert, visit, axe, bodyText, signIn, submit } = t;
  const context = await newContext();
  try {
    const page = await context.newPage();
    watch(page);
    await check('demo clock 1: hdir opens /demo/klokke with the rounds\' dates (axe clean)', async () => {
      await signIn(page, 'hdir@demo.lis1.no');
      await visit(page, '/demo/klokke');
      const text = await bodyText(page);
      assert(text.includes('Demoens klokke'), 'no heading');
      assert(text.includes('LIS1 våren 2027'), 'the rounds are not listed');
      await axe(page);
    });
    await check('demo clock 2: a time in the past is refused at the field, the text kept (axe clean)', async () => {
      await page.locator('#to').fill('2020-01-01T09:00');
      const status = await submit(page, page.getByRole('button', { name: 'Still klokken' }));
      assert(status === 422, `answered ${status}`);
      assert((await bodyText(page)).includes('bare stilles fram'), 'no message');
      assert(await page.locator('#to[aria-invalid="true"]').count() === 1, 'the field is not marked');
      await axe(page);
    });
    await check('demo clock 3: moved to 1 March 2027 09:00, every page shows the banner (axe clean)', async () => {
      await page.locator('#to').fill('2027-03-01T09:00');
      await submit(page, page.getByRole('button', { name: 'Still klokken' }));
      // Sessions are idle since the jump: sign in again.
      await signIn(page, 'hdir@demo.lis1.no');
      await visit(page, '/oversikt');
      const banner = await page.locator('#demo-clock').innerText();
      assert(banner.includes('01.03.2027'), `banner: ${banner}`);
      await axe(page);
    });
  } finally {
    await context.close();
  }
}
