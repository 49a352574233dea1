// Compile-time checks of the public types (`tsc -p tsconfig.test.json`; never run): what a
// TypeScript user writes must type-check, and the mistakes below must not.
import type { TitanEventDetailMap, TitanEventName } from '@titan-connect/protocol';
import { mount, type TitanDomEventMap } from '../pure.js';

const handle = mount('#widget', {
  widgetUrl: 'https://titan.example.com/widget/connect?token=t',
  onConnected: (event) => {
    const phone: string | null = event.phone;
    if (event.method === 'cloud-api' && phone) event.preventDefault();
  },
  onError: (message) => message.code.toUpperCase(),
  onExpired: (message) => message.reason === 'TOKEN_EXPIRED',
});
handle.on('resize', (message) => message.height.toFixed());
handle.on('connected', (event) => event.preventDefault());
handle.on('status', (message) => message.status === 'CONNECTED');
// @ts-expect-error not a widget event
handle.on('linked', () => {});
// @ts-expect-error `resize` carries no `method`
handle.on('resize', (message) => message.method);

document.body.addEventListener('titan-connected', (event) => {
  const { detail } = event as TitanDomEventMap['titan-connected'];
  const method: 'qr' | 'pairing' | 'cloud-api' = detail.method;
  detail.preventDefault();
  return method;
});
document.body.addEventListener('titan-expired', (event) => {
  const { detail } = event as TitanDomEventMap['titan-expired'];
  // @ts-expect-error `expired` has a reason, not an error
  return detail.error;
});

// `onEvent` gets the union, narrowed by `event`.
mount('#widget', {
  widgetUrl: 'https://titan.example.com/widget/connect?token=t',
  onEvent: (message) => {
    if (message.event === 'error') return message.retryable satisfies boolean;
    if (message.event === 'ready') return message.mode satisfies 'all' | 'qr' | 'pairing' | 'cloud-api';
    // @ts-expect-error only `resize` has a height
    return message.height;
  },
});

// `origins` is a list of origins, never one string (`includes` on a string would match a prefix).
mount('#widget', { widgetUrl: 'https://titan.example.com/widget/connect?token=t', origins: ['https://titan.example.com'] });
// @ts-expect-error a single string is not a list
mount('#widget', { widgetUrl: 'https://titan.example.com/widget/connect?token=t', origins: 'https://titan.example.com' });

// One detail per `titan-*` event: the loader's (the message: the detail plus type, version and
// event) fits wherever `<titan-connect-widget>`'s is expected, so one listener serves both.
type CarriesDetail<K extends TitanEventName> = TitanDomEventMap[K]['detail'] extends TitanEventDetailMap[K] ? true : false;
export const sameDetail: { [K in TitanEventName]: CarriesDetail<K> } = {
  'titan-ready': true,
  'titan-status': true,
  'titan-connected': true,
  'titan-error': true,
  'titan-expired': true,
};
