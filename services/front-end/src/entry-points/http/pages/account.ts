// The account pages: log in, register (each form re-rendered with profiles' refusal worded for
// the shopper), log out and the account page.
import { toFieldIssues } from '@trio/contracts/common';
import { ApiLoginRequest, ApiRegisterRequest } from '@trio/contracts/front-end';
import { AppError } from '@trio/service-runtime/errors';
import type { Response, Router } from 'express';
import { logIn, logOut, register } from '../../../domain/account.ts';
import { requireUser } from '../../../domain/shop.ts';
import { accountPage, loginPage, registerPage } from '../../../views/account.ts';
import { type FieldInfo, type FormErrors, formErrors } from '../../../views/forms.ts';
import { clearSession, currentSession, ensureSession, shopperOf, useSession } from '../session.ts';
import { bodyText, detailsOf, queryText, safeNext, statusOf } from './form-input.ts';
import type { PageKit } from './kit.ts';

const loginFields: Record<string, FieldInfo> = {
  email: { name: 'email', id: 'email', label: 'Email' },
  password: { name: 'password', id: 'password', label: 'Password' },
};

const registerFields: Record<string, FieldInfo> = {
  name: { name: 'name', id: 'name', label: 'Name' },
  ...loginFields,
};

/** Why profiles refused, as the form shows it; undefined for errors that are not the shopper's. */
function accountFormErrors(error: unknown, fields: Record<string, FieldInfo>): FormErrors | undefined {
  if (!(error instanceof AppError)) return undefined;
  switch (error.status) {
    case 400: {
      const errors = formErrors(detailsOf(error), fields);
      return errors.summary.length > 0 ? errors : { fields: {}, summary: [{ message: error.message }] };
    }
    case 401:
      return { fields: {}, summary: [{ message: 'The email or password is not right.' }] };
    case 409: {
      const message = 'An account with this email already exists. Log in instead.';
      return { fields: { email: message }, summary: [{ target: 'email', message }] };
    }
    case 429:
      return {
        fields: {},
        summary: [{ message: 'Too many attempts. Wait a few minutes, then try again.' }],
      };
    default:
      return undefined;
  }
}

export function accountPages(router: Router, kit: PageKit): void {
  const { deps, cookie, send, form, csrf } = kit;

  async function renderAccountForm(
    res: Response,
    kind: 'login' | 'register',
    form: { next?: string | undefined; values?: { name?: string; email?: string }; errors?: FormErrors },
    status = 200,
  ): Promise<void> {
    const session = await ensureSession(res, deps.sessions, cookie);
    const view = { ...form, csrf: deps.sessions.csrfToken(session) };
    await send(res, {
      title: kind === 'login' ? 'Log in' : 'Create an account',
      status,
      main: kind === 'login' ? loginPage(view) : registerPage(view),
    });
  }

  router.get('/login', async (req, res) => {
    const next = safeNext(queryText(req, 'next'));
    if (currentSession(res)?.user !== undefined) return res.redirect(303, next ?? '/account');
    await renderAccountForm(res, 'login', { next });
  });

  router.post('/login', form, csrf, async (req, res) => {
    const next = safeNext(bodyText(req, 'next'));
    const email = bodyText(req, 'email').trim();
    const input = ApiLoginRequest.safeParse({ email, password: bodyText(req, 'password') });
    if (!input.success) {
      const errors = formErrors(toFieldIssues(input.error), loginFields);
      return renderAccountForm(res, 'login', { next, values: { email }, errors }, 400);
    }
    try {
      const { session } = await logIn(deps, currentSession(res), input.data, shopperOf(req));
      useSession(res, session, cookie);
    } catch (error) {
      const errors = accountFormErrors(error, loginFields);
      if (errors === undefined) throw error;
      return renderAccountForm(res, 'login', { next, values: { email }, errors }, statusOf(error));
    }
    res.redirect(303, next ?? '/account');
  });

  router.get('/register', async (req, res) => {
    const next = safeNext(queryText(req, 'next'));
    if (currentSession(res)?.user !== undefined) return res.redirect(303, next ?? '/account');
    await renderAccountForm(res, 'register', { next });
  });

  router.post('/register', form, csrf, async (req, res) => {
    const next = safeNext(bodyText(req, 'next'));
    const values = { name: bodyText(req, 'name'), email: bodyText(req, 'email').trim() };
    const input = ApiRegisterRequest.safeParse({ ...values, password: bodyText(req, 'password') });
    if (!input.success) {
      const errors = formErrors(toFieldIssues(input.error), registerFields);
      return renderAccountForm(res, 'register', { next, values, errors }, 400);
    }
    try {
      const { session } = await register(deps, currentSession(res), input.data, shopperOf(req));
      useSession(res, session, cookie);
    } catch (error) {
      const errors = accountFormErrors(error, registerFields);
      if (errors === undefined) throw error;
      return renderAccountForm(res, 'register', { next, values, errors }, statusOf(error));
    }
    res.redirect(303, next ?? '/account');
  });

  router.post('/logout', form, csrf, async (_req, res) => {
    const session = currentSession(res);
    if (session !== undefined) await logOut(deps, session);
    clearSession(res, cookie);
    res.redirect(303, '/');
  });

  router.get('/account', async (_req, res) => {
    const user = requireUser(currentSession(res));
    await send(res, { title: 'Your account', main: accountPage(user) });
  });
}
