export type { Delivery, DeliveryOptions } from './delivery.js';
export type { ExpectedRefusal } from './expected-refusal.js';
export { jsonObject } from './json-object.js';
export { signedDelivery } from './signed-delivery.js';
export type { StaleDelivery } from './stale-delivery.js';
export { staleDelivery } from './stale-delivery.js';
export type {
  TamperedDelivery,
  TamperedDeliveryOptions,
  Tampering,
} from './tampered-delivery.js';
export { tamperedDelivery, tamperings } from './tampered-delivery.js';
