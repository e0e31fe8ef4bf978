/**
 * The stand-in's exceptions, named after Odoo's classes, and Python-like value printing for messages.
 */
export class OdooException extends Error {
  /** Odoo's exception class, e.g. `odoo.exceptions.ValidationError`. */
  readonly odooName: string;
  constructor(odooName: string, message: string) {
    super(message);
    this.odooName = odooName;
  }
}

export const validationError = (message: string): OdooException => new OdooException('odoo.exceptions.ValidationError', message);
export const accessError = (message: string): OdooException => new OdooException('odoo.exceptions.AccessError', message);

export const isInt = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/** A value as Python's repr would show it in Odoo's messages, near enough. */
export const repr = (value: unknown): string => {
  if (value === undefined || value === null) return 'None';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return JSON.stringify(value);
};
