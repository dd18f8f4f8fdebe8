import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import { SmartBranchError } from '../../core/index.ts';

/** The number in E.164, or an error naming the field; national numbers read in `country`. */
export function normalizePhone(input: string, country: CountryCode): string {
  const number = parsePhoneNumberFromString(input, country);
  if (!number?.isValid()) {
    throw new SmartBranchError('SB_ERR_INVALID_REQUEST', 'phone: not a valid number', 'phone');
  }

  return number.number;
}
