/** Assertions shared by the transport suites (odoo-jsonrpc, odoo-json2, odoo-xmlrpc). */
import * as assert from 'uvu/assert';
import { inspect } from 'node:util';
import { OdooError } from '../../agent/errors.ts';

/** The OdooError a call fails with (the test fails when it succeeds or throws anything else). */
export const rejection = async (promise: Promise<unknown>): Promise<OdooError> => {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, OdooError);
    return error as OdooError;
  }
  throw new Error('expected a rejection');
};

/** The secret appears nowhere in the error: message, JSON, inspection with hidden fields, stack. */
export const assertNoSecret = (error: unknown, secret: string): void => {
  const texts = [
    (error as Error).message,
    JSON.stringify(error),
    inspect(error, { showHidden: true, depth: 10 }),
    String((error as Error).stack),
  ];
  for (const text of texts) assert.not.ok(text.includes(secret), `the API key leaked: ${text}`);
};
