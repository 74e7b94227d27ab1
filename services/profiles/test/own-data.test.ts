// Profile and saved addresses: a user reads and changes only their own; anybody else's is a 404.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorBody } from '@trio/contracts/common';
import { SavedAddress, SavedAddressList, type Session, User } from '@trio/contracts/profiles';
import { createTestInfra, type TestInfra } from '@trio/testing/infra';
import { addressBody, startProfiles, type TestProfiles } from './support/profiles.ts';

let infra: TestInfra;
let profiles: TestProfiles;
let ann: Session;
let bob: Session;

before(async () => {
  infra = await createTestInfra();
  profiles = await startProfiles(infra);
  ann = await profiles.signUp({ name: 'Ann' });
  bob = await profiles.signUp({ name: 'Bob' });
});

after(async () => {
  await profiles?.stop();
  await infra?.drop();
});

const as = (session: Session) => ({
  get: (path: string) => profiles.request('GET', path, { token: session.token }),
  send: (method: string, path: string, body?: unknown) =>
    profiles.request(method, path, { token: session.token, body }),
});

test('a user reads and renames their own profile', async () => {
  const read = await as(ann).get(`/users/${ann.user.id}`);
  assert.equal(read.status, 200);
  assert.deepEqual(User.parse(read.body), ann.user);
  const renamed = await as(ann).send('PATCH', `/users/${ann.user.id}`, { name: '  Ann B. ' });
  assert.equal(renamed.status, 200);
  assert.equal(User.parse(renamed.body).name, 'Ann B.');
  assert.equal(User.parse((await as(ann).get(`/users/${ann.user.id}`)).body).name, 'Ann B.');
});

test("another user's profile answers 404, and renaming it changes nothing", async () => {
  assert.equal((await as(bob).get(`/users/${ann.user.id}`)).status, 404);
  const rename = await as(bob).send('PATCH', `/users/${ann.user.id}`, { name: 'Mallory' });
  assert.equal(rename.status, 404);
  assert.equal(ErrorBody.parse(rename.body).error.code, 'not_found');
  assert.notEqual(User.parse((await as(ann).get(`/users/${ann.user.id}`)).body).name, 'Mallory');
});

test('addresses: add, list, replace, delete; one default at a time', async () => {
  const base = `/users/${ann.user.id}/addresses`;
  const home = await as(ann).send('POST', base, addressBody({ label: 'Home', isDefault: true }));
  assert.equal(home.status, 201);
  const homeId = SavedAddress.parse(home.body).id;
  const work = await as(ann).send(
    'POST',
    base,
    addressBody({ line1: 'Work 2', line2: 'Floor 3', isDefault: true }),
  );
  const workId = SavedAddress.parse(work.body).id;

  let list = SavedAddressList.parse((await as(ann).get(base)).body).items;
  assert.deepEqual(
    list.map((a) => [a.id, a.isDefault]),
    [
      [homeId, false],
      [workId, true],
    ],
  );
  assert.equal(list[0]!.label, 'Home');
  assert.equal(list[1]!.line2, 'Floor 3');

  const replaced = await as(ann).send(
    'PUT',
    `${base}/${homeId}`,
    addressBody({ city: 'Hamburg', country: 'DE' }),
  );
  assert.equal(replaced.status, 200);
  const saved = SavedAddress.parse(replaced.body);
  assert.equal(saved.city, 'Hamburg');
  assert.equal(saved.label, undefined, 'PUT replaces: the label not sent is gone');

  assert.equal((await as(ann).send('DELETE', `${base}/${workId}`)).status, 204);
  list = SavedAddressList.parse((await as(ann).get(base)).body).items;
  assert.deepEqual(
    list.map((a) => a.id),
    [homeId],
  );
  assert.equal((await as(ann).send('DELETE', `${base}/${workId}`)).status, 404);
});

test("another user's addresses answer 404 and stay as they are", async () => {
  const base = `/users/${ann.user.id}/addresses`;
  const mine = SavedAddress.parse((await as(ann).send('POST', base, addressBody({ label: 'Mine' }))).body);
  assert.equal((await as(bob).get(base)).status, 404);
  assert.equal((await as(bob).send('POST', base, addressBody())).status, 404);
  // Bob's own user id with Ann's address id: still not found.
  const bobsPath = `/users/${bob.user.id}/addresses/${mine.id}`;
  assert.equal((await as(bob).send('PUT', bobsPath, addressBody({ city: 'Evil' }))).status, 404);
  assert.equal((await as(bob).send('DELETE', bobsPath)).status, 404);
  assert.equal((await as(bob).send('DELETE', `${base}/${mine.id}`)).status, 404);
  const annList = SavedAddressList.parse((await as(ann).get(base)).body).items;
  assert.deepEqual(
    annList.find((a) => a.id === mine.id),
    mine,
  );
  assert.deepEqual(
    SavedAddressList.parse((await as(bob).get(`/users/${bob.user.id}/addresses`)).body).items,
    [],
  );
});

test('invalid ids and addresses answer 400 naming the fields', async () => {
  const badId = await as(ann).get('/users/not-a-uuid/addresses');
  assert.equal(badId.status, 400);
  const reply = await as(ann).send(
    'POST',
    `/users/${ann.user.id}/addresses`,
    addressBody({ country: 'de', city: '' }),
  );
  assert.equal(reply.status, 400);
  const { error } = ErrorBody.parse(reply.body);
  assert.deepEqual(error.details?.map((d) => d.path).sort(), ['city', 'country']);
  const rename = await as(ann).send('PATCH', `/users/${ann.user.id}`, { name: '   ' });
  assert.equal(rename.status, 400);
});
