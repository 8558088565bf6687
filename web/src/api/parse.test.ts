import { describe, expect, it } from 'vitest';
import { LOGIN_OK, ME_OK } from '../test/fetch';
import { parseLoginResponse, parseMeResponse } from './parse';

describe('response parsers', () => {
  it('accept the documented shapes', () => {
    expect(parseLoginResponse(LOGIN_OK)).toEqual(LOGIN_OK);
    expect(parseMeResponse(ME_OK)).toEqual(ME_OK);
  });

  it('reject incomplete bodies', () => {
    expect(parseLoginResponse({ ...LOGIN_OK, access_token: '' })).toBeNull();
    expect(parseLoginResponse({ ...LOGIN_OK, user: { id: 'u' } })).toBeNull();
    expect(parseMeResponse({ user: ME_OK.user })).toBeNull();
    expect(parseMeResponse(null)).toBeNull();
  });
});
