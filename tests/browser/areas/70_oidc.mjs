// Sign-in through OpenID Connect (issue 15) against the test provider scripts/browser-test starts
// (tests/oidc/provider.mjs): a doctor signs in with ID-porten for the first time, makes her
// applicant account, lands on her own page and signs out (also at the provider); HNT's
// administrator invites a recruiter, who accepts by signing in with HelseID, gets the role she was
// invited to, and signs out. Every portal page visited is checked with axe.

export async function run(t) {
  const { newContext, watch, check, assert, visit, axe, bodyText, signIn, signOut, OIDC_ISSUER, BASE_URL } = t;
  if (!OIDC_ISSUER) {
    await check('oidc: the test provider is running', async () => assert(false, 'OIDC_ISSUER is not set'));
    return;
  }
  const context = await newContext();
  try {
    const page = await context.newPage();
    watch(page);
    const atProvider = async (user) => {
      await page.waitForURL((u) => u.toString().startsWith(OIDC_ISSUER));
      await page.locator('#login').fill(user);
      await Promise.all([
        page.waitForURL((u) => u.toString().startsWith(BASE_URL), { waitUntil: 'load' }),
        page.getByRole('button', { name: 'Logg inn' }).click(),
      ]);
    };
    await check('oidc 1: the login page offers ID-porten and HelseID (axe clean)', async () => {
      await visit(page, '/logg-inn');
      const text = await bodyText(page);
      assert(text.includes('Logg inn med ID-porten'), 'no ID-porten button');
      assert(text.includes('Logg inn med HelseID'), 'no HelseID button');
      await axe(page);
    });
    await check('oidc 2: a doctor signs in with ID-porten, makes her account and lands on her page (axe clean)', async () => {
      await page.getByRole('link', { name: 'Logg inn med ID-porten' }).click();
      await atProvider('ny');
      assert(new URL(page.url()).pathname === '/logg-inn/koble', `at ${page.url()}`);
      await axe(page);
      await page.locator('#name').fill('Nina Ny');
      await page.locator('#email').fill('nina.ny@eksempel.no');
      await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.getByRole('button', { name: 'Opprett konto og logg inn' }).click(),
      ]);
      assert(new URL(page.url()).pathname === '/oversikt', `at ${page.url()}`);
      assert((await bodyText(page)).includes('Nina Ny'), 'not signed in as Nina');
      await axe(page);
    });
    await check('oidc 3: signing out ends the portal session and the provider\'s (axe clean)', async () => {
      await Promise.all([
        page.waitForURL((u) => u.toString().startsWith(OIDC_ISSUER)),
        page.locator('header form[action="/logg-ut"] button[type=submit]').click(),
      ]);
      await Promise.all([
        page.waitForURL((u) => u.toString().startsWith(BASE_URL), { waitUntil: 'load' }),
        page.getByRole('button', { name: 'Ja, logg ut' }).click(),
      ]);
      assert((await bodyText(page)).includes('Du er logget ut'), 'not signed out');
      await axe(page);
      await visit(page, '/oversikt');
      assert(new URL(page.url()).pathname === '/logg-inn', 'the session lives on');
    });
    let link = null;
    await check('oidc 4: HNT\'s administrator invites a recruiter (axe clean)', async () => {
      await signIn(page, 'admin.hnt@demo.lis1.no');
      await visit(page, '/invitasjoner');
      await axe(page);
      await page.locator('#role').selectOption('hf_recruiter');
      await page.locator('#name').fill('Hilde HR');
      await page.locator('#email').fill('hilde.hr@hnt.eksempel.no');
      await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        page.getByRole('button', { name: 'Send invitasjon' }).click(),
      ]);
      link = await page.locator('#invitation-link').getAttribute('href');
      assert(link && link.startsWith('/invitasjon/'), 'no invitation link');
      await axe(page);
      await signOut(page);
    });
    await check('oidc 5: the recruiter accepts with HelseID, gets the role, and signs out (axe clean)', async () => {
      await visit(page, link);
      await axe(page);
      await page.getByRole('link', { name: 'Logg inn med HelseID' }).click();
      await atProvider('hilde');
      assert(new URL(page.url()).pathname === '/oversikt', `at ${page.url()}`);
      assert((await bodyText(page)).includes('Rekrutterer i helseforetak'), 'no recruiter role');
      await axe(page);
      await Promise.all([
        page.waitForURL((u) => u.toString().startsWith(OIDC_ISSUER)),
        page.locator('header form[action="/logg-ut"] button[type=submit]').click(),
      ]);
      await Promise.all([
        page.waitForURL((u) => u.toString().startsWith(BASE_URL), { waitUntil: 'load' }),
        page.getByRole('button', { name: 'Ja, logg ut' }).click(),
      ]);
      assert((await bodyText(page)).includes('Du er logget ut'), 'not signed out');
    });
  } finally {
    await context.close();
  }
}
