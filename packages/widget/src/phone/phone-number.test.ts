import { assert } from '../test/assert.js';
import { checkPhoneNumber, regionName, regionOf } from './phone-number.js';

describe('checkPhoneNumber', () => {
  const CASES: [string, string][] = [
    ['+55 11 91234-5678', '5511912345678'],
    ['5511912345678', '5511912345678'],
    ['+1 (415) 555-0134', '14155550134'],
    ['0055 11 91234 5678', '5511912345678'],
    ['+44 20.7946.0958', '442079460958'],
    ['  +34 612 345 678  ', '34612345678'],
    ['+49 30 1234', '49301234'],
    // Fictional 555-01xx numbers have the right shape; whether they link is the server's call
    // (it accepts the emulator's virtual phone in emulated and simulator modes).
    ['+1 555 010 0001', '15550100001'],
    ['1 (555) 010-0001', '15550100001'],
    ['+1 555-0100', '15550100'],
    // 8 and 15 digits, the E.164 bounds.
    ['+12345678', '12345678'],
    ['+123456789012345', '123456789012345'],
    ['', 'required'],
    ['   ', 'required'],
    ['+55 11 9123x-5678', 'characters'],
    ['55+11912345678', 'characters'],
    ['011 91234-5678', 'country-code'],
    ['+55 1234', 'too-short'],
    ['+1234567', 'too-short'],
    ['+55 11 91234 5678 9999', 'too-long'],
    ['+1234567890123456', 'too-long'],
    ['+0 555 010 0001', 'country-code'],
  ];
  for (const [input, expected] of CASES) {
    it(`${JSON.stringify(input)} → ${expected}`, () => {
      const check = checkPhoneNumber(input);
      assert.equal(check.ok ? check.digits : check.problem, expected);
    });
  }
});

describe('regionOf', () => {
  const CASES: [string, string | null][] = [
    ['+55 11 91234-5678', 'BR'],
    ['+351 912 345 678', 'PT'],
    ['+1 415', 'US'],
    ['0034 612', 'ES'],
    // The first and last words of the region table, and 3-digit codes.
    ['+7 912 345', 'RU'],
    ['+880 1712', 'BD'],
    ['+212 612', 'MA'],
    ['+213 55', 'DZ'],
    ['+55', null],
    ['+999 123', null],
    ['', null],
  ];
  for (const [input, expected] of CASES) {
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(regionOf(input), expected));
  }

  it('names the region in the user language', () => {
    assert.equal(regionName('BR', 'pt-BR'), 'Brasil');
    assert.equal(regionName('BR', 'en'), 'Brazil');
  });
});
