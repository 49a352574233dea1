import { assert } from '../test/assert.js';
import { SignupAttempt, isTrustedOrigin, loginCode, loginOptions, parseSignupMessage, type SignupMessage } from './embedded-signup.js';

const META_SDK = 'https://connect.facebook.net/en_US/sdk.js';
const FAKE_SDK = 'http://127.0.0.1:41234/sdk.js';

describe('isTrustedOrigin', () => {
  const CASES: [origin: string, sdkUrl: string, trusted: boolean][] = [
    ['https://www.facebook.com', META_SDK, true],
    ['https://web.facebook.com', META_SDK, true],
    ['https://business.facebook.com', META_SDK, true],
    ['https://connect.facebook.net', META_SDK, true], // the SDK's own origin
    ['http://127.0.0.1:41234', FAKE_SDK, true], // a local fake SDK, http and all
    ['http://127.0.0.1:41235', FAKE_SDK, false], // another port is another origin
    ['https://connect.facebook.net', FAKE_SDK, false], // only the configured SDK's origin
    ['https://www.facebook.com', FAKE_SDK, true], // Meta's pages stay trusted whatever the SDK URL
    ['https://facebook.com', META_SDK, false], // `*.facebook.com`: the apex is not a signup host
    ['http://www.facebook.com', META_SDK, false], // https only
    ['https://www.facebook.com:8443', META_SDK, false],
    ['https://evilfacebook.com', META_SDK, false],
    ['https://www.facebook.com.evil.example', META_SDK, false],
    ['https://facebook.com.evil.example', META_SDK, false],
    ['https://www.facebook.co', META_SDK, false],
    ['null', META_SDK, false], // sandboxed frames, data: URLs
    ['', META_SDK, false],
    ['https://www.facebook.com', 'not a url', true],
    ['http://127.0.0.1:41234', 'not a url', false],
  ];
  for (const [origin, sdkUrl, trusted] of CASES) {
    it(`${JSON.stringify(origin)} with SDK ${sdkUrl} → ${trusted ? 'trusted' : 'refused'}`, () => {
      assert.equal(isTrustedOrigin(origin, sdkUrl), trusted);
    });
  }
});

const signup = (event: string, data: object) => ({ type: 'WA_EMBEDDED_SIGNUP', event, version: '3', data });

describe('parseSignupMessage', () => {
  const finishData = { waba_id: '102290129340398', phone_number_id: '106540352242922', business_id: '2729063490586005' };
  const CASES: [what: string, data: unknown, expected: SignupMessage | null][] = [
    ['FINISH as a JSON string (Meta)', JSON.stringify(signup('FINISH', finishData)), { kind: 'finish', event: 'FINISH', wabaId: '102290129340398', phoneNumberId: '106540352242922' }],
    ['FINISH as an object', signup('FINISH', finishData), { kind: 'finish', event: 'FINISH', wabaId: '102290129340398', phoneNumberId: '106540352242922' }],
    ['FINISH string with leading whitespace', `  ${JSON.stringify(signup('FINISH', finishData))}`, { kind: 'finish', event: 'FINISH', wabaId: '102290129340398', phoneNumberId: '106540352242922' }],
    ['FINISH_ONLY_WABA without a number', signup('FINISH_ONLY_WABA', { waba_id: '555' }), { kind: 'finish', event: 'FINISH_ONLY_WABA', wabaId: '555', phoneNumberId: null }],
    [
      'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING (coexistence)',
      signup('FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING', { waba_id: '7', phone_number_id: '8' }),
      { kind: 'finish', event: 'FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING', wabaId: '7', phoneNumberId: '8' },
    ],
    ['numeric ids become strings', signup('FINISH', { waba_id: 12, phone_number_id: 34 }), { kind: 'finish', event: 'FINISH', wabaId: '12', phoneNumberId: '34' }],
    ['CANCEL at a step', JSON.stringify(signup('CANCEL', { current_step: 'PHONE_NUMBER_SETUP' })), { kind: 'cancel', step: 'PHONE_NUMBER_SETUP', errorMessage: null }],
    ['CANCEL with an error', signup('CANCEL', { error_message: 'Your account is restricted.', error_id: '524126' }), { kind: 'cancel', step: null, errorMessage: 'Your account is restricted.' }],
    ['ERROR', JSON.stringify(signup('ERROR', { error_message: 'An unknown error occurred.' })), { kind: 'error', errorMessage: 'An unknown error occurred.' }],
    ['ERROR without data', { type: 'WA_EMBEDDED_SIGNUP', event: 'ERROR' }, { kind: 'error', errorMessage: null }],
    ['FINISH without waba_id', signup('FINISH', { phone_number_id: '1' }), null],
    ['FINISH with an empty waba_id', signup('FINISH', { waba_id: '' }), null],
    ['an unknown event', signup('SOMETHING_NEW', finishData), null],
    ['another type', JSON.stringify({ type: 'SOME_OTHER_SDK_MESSAGE', event: 'FINISH', data: finishData }), null],
    ['no type', { event: 'FINISH', data: finishData }, null],
    ['text that is not JSON', 'not json {', null],
    ['broken JSON', '{"type":"WA_EMBEDDED_SIGNUP",', null],
    ['a JSON array', JSON.stringify([signup('FINISH', finishData)]), null],
    ['null', null, null],
    ['a number', 42, null],
    ['undefined', undefined, null],
  ];
  for (const [what, data, expected] of CASES) {
    it(`${what} → ${expected ? expected.kind : 'ignored'}`, () => {
      assert.deepEqual(parseSignupMessage(data), expected);
    });
  }
});

describe('loginCode and loginOptions', () => {
  const CODES: [unknown, string | null][] = [
    [{ authResponse: { code: 'AQD-1' }, status: 'connected' }, 'AQD-1'],
    [{ authResponse: null, status: 'unknown' }, null], // popup closed
    [{ authResponse: { code: '' } }, null],
    [{ authResponse: { accessToken: 'x' } }, null],
    [{}, null],
    [undefined, null],
  ];
  for (const [response, code] of CODES) {
    it(`code of ${JSON.stringify(response)} → ${code}`, () => assert.equal(loginCode(response), code));
  }

  it('FB.login options: config id, a code instead of a token, and the v3 session info', () => {
    assert.deepEqual(loginOptions({ configId: 'cfg-1' }), {
      config_id: 'cfg-1',
      response_type: 'code',
      override_default_response_type: true,
      extras: { setup: {}, featureType: '', sessionInfoVersion: '3' },
    });
  });
});

describe('SignupAttempt (joining the code and the session info)', () => {
  const finish: SignupMessage = { kind: 'finish', event: 'FINISH', wabaId: '11', phoneNumberId: '22' };
  const onlyWaba: SignupMessage = { kind: 'finish', event: 'FINISH_ONLY_WABA', wabaId: '11', phoneNumberId: null };
  const cancelAt: SignupMessage = { kind: 'cancel', step: 'PHONE_NUMBER_SETUP', errorMessage: null };
  const error: SignupMessage = { kind: 'error', errorMessage: 'Boom' };
  const code = (c: string) => ({ authResponse: { code: c } });
  const closed = { authResponse: null, status: 'unknown' };
  const request = { kind: 'finish', request: { code: 'C1', wabaId: '11', event: 'FINISH', phoneNumberId: '22' } };

  type Step = ['message', SignupMessage] | ['login', unknown];
  const CASES: [what: string, steps: Step[], outcomes: unknown[]][] = [
    ['finish, then code', [['message', finish], ['login', code('C1')]], [{ kind: 'pending', waitingFor: 'code' }, request]],
    ['code, then finish', [['login', code('C1')], ['message', finish]], [{ kind: 'pending', waitingFor: 'finish' }, request]],
    [
      'FINISH_ONLY_WABA: no phoneNumberId in the request',
      [['message', onlyWaba], ['login', code('C1')]],
      [{ kind: 'pending', waitingFor: 'code' }, { kind: 'finish', request: { code: 'C1', wabaId: '11', event: 'FINISH_ONLY_WABA' } }],
    ],
    ['finishes once: a repeated finish changes nothing', [['login', code('C1')], ['message', finish], ['message', finish]], [{ kind: 'pending', waitingFor: 'finish' }, request, null]],
    ['the first finish wins over a second one', [['message', finish], ['message', onlyWaba], ['login', code('C1')]], [{ kind: 'pending', waitingFor: 'code' }, null, request]],
    ['a second login callback changes nothing', [['login', code('C1')], ['login', code('C2')], ['message', finish]], [{ kind: 'pending', waitingFor: 'finish' }, null, request]],
    [
      'popup closed, then Meta says where: the reason replaces the bare cancel',
      [['login', closed], ['message', cancelAt], ['message', error]],
      [{ kind: 'cancelled', step: null, errorMessage: null }, { kind: 'cancelled', step: 'PHONE_NUMBER_SETUP', errorMessage: null }, null],
    ],
    ['CANCEL, then the code-less callback', [['message', cancelAt], ['login', closed]], [{ kind: 'cancelled', step: 'PHONE_NUMBER_SETUP', errorMessage: null }, null]],
    ['ERROR, then a code: nothing is posted', [['message', error], ['login', code('C1')]], [{ kind: 'error', errorMessage: 'Boom' }, null]],
    ['a finish after the popup closed without a code is not posted', [['login', closed], ['message', finish]], [{ kind: 'cancelled', step: null, errorMessage: null }, null]],
    ['after the finish, a CANCEL changes nothing', [['message', finish], ['login', code('C1')], ['message', cancelAt]], [{ kind: 'pending', waitingFor: 'code' }, request, null]],
  ];
  for (const [what, steps, outcomes] of CASES) {
    it(what, () => {
      const attempt = new SignupAttempt();
      const seen = steps.map(([kind, input]) => (kind === 'message' ? attempt.message(input as SignupMessage) : attempt.login(input)));
      assert.deepEqual(seen, outcomes);
    });
  }
});
