import { Type, type Static } from '@sinclair/typebox';
import { DISABLED_CAUSES, WEBHOOK_KINDS } from '../../db/schema/index.js';
import { Nullable, PageQuery, StringEnum, Uuid } from '../../lib/schemas.js';

const Time = Type.String({ format: 'date-time' });
const Ids = (what: string) => Type.Array(Uuid, { minItems: 1, maxItems: 50, uniqueItems: true, description: `Only events of these ${what}` });
export const WebhookKindSchema = StringEnum(WEBHOOK_KINDS);

export const WebhookFilters = Type.Object({
  observanceIds: Type.Optional(Nullable(Ids('themed days'))),
  unitIds: Type.Optional(Nullable(Ids('units (owner or co-organizer)'))),
  townIds: Type.Optional(Nullable(Ids('towns (where the venue is)'))),
}, { additionalProperties: false, description: 'An event passes when it matches every filter given; a missing or null filter lets any through' });

const endpointFields = {
  url: Type.String({ minLength: 1, maxLength: 2000, description: 'http or https; never a loopback, link-local or private address unless an administrator allows it' }),
  description: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  kinds: Type.Array(WebhookKindSchema, { minItems: 1, maxItems: WEBHOOK_KINDS.length, uniqueItems: true }),
  filters: Type.Optional(WebhookFilters),
  allowPrivateNetwork: Type.Optional(Type.Boolean({ description: 'Administrators only: the URL may resolve to a loopback or private address (a bot inside the district network)' })),
};

export const CreateWebhookBody = Type.Object({
  ...endpointFields,
  unitId: Type.Optional(Nullable(Uuid)),
}, { additionalProperties: false });
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

export const UpdateWebhookBody = Type.Partial(Type.Object({
  ...endpointFields,
  enabled: Type.Boolean({ description: 'false pauses deliveries; true enables again (after an automatic disabling, too)' }),
}), { additionalProperties: false, minProperties: 1 });
export type UpdateWebhookBody = Static<typeof UpdateWebhookBody>;

export const RotateSecretBody = Type.Object({
  overlapHours: Type.Optional(Type.Integer({ minimum: 0, maximum: 168, default: 24, description: 'How long the old secret keeps signing beside the new one' })),
}, { additionalProperties: false });

export const WebhookSchema = Type.Object({
  id: Uuid,
  unitId: Nullable(Uuid),
  url: Type.String(),
  description: Nullable(Type.String()),
  kinds: Type.Array(WebhookKindSchema),
  filters: Type.Object({ observanceIds: Nullable(Type.Array(Uuid)), unitIds: Nullable(Type.Array(Uuid)), townIds: Nullable(Type.Array(Uuid)) }),
  allowPrivateNetwork: Type.Boolean(),
  enabled: Type.Boolean(),
  disabledAt: Nullable(Time),
  disabledCause: Nullable(StringEnum(DISABLED_CAUSES, { description: 'paused: by someone; failing: every delivery failed for a day' })),
  disabledReason: Nullable(Type.String({ description: 'Why it stopped, in a sentence (English)' })),
  failingSince: Nullable(Time),
  lastError: Nullable(Type.String({ description: 'While it fails: the last attempt\'s error' })),
  previousSecretExpiresAt: Nullable(Time),
  createdAt: Time,
  updatedAt: Time,
}, { $id: 'Webhook' });
export type WebhookResponse = Static<typeof WebhookSchema>;

export const WebhookWithSecret = Type.Intersect([Type.Ref(WebhookSchema), Type.Object({
  secret: Type.String({ description: 'Shown this once: keep it to verify Kepu-Signature' }),
})]);

export const DELIVERY_STATES = ['planned', 'sending', 'sent', 'failed', 'cancelled'] as const;
export const DeliverySchema = Type.Object({
  id: Uuid,
  kind: Type.String(),
  eventId: Nullable(Uuid),
  sessionId: Nullable(Uuid),
  registrationId: Nullable(Uuid),
  state: StringEnum(DELIVERY_STATES),
  attempts: Type.Integer(),
  lastStatus: Nullable(Type.Integer({ description: 'The HTTP status of the last attempt' })),
  lastLatencyMs: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  responsePrefix: Nullable(Type.String({ description: 'The first bytes of the last response, no more' })),
  nextAttemptAt: Nullable(Time),
  lastAttemptAt: Nullable(Time),
  deliveredAt: Nullable(Time),
  createdAt: Time,
});
export type DeliveryResponse = Static<typeof DeliverySchema>;

export const DeliveryListQuery = Type.Object({
  ...PageQuery,
  state: Type.Optional(StringEnum(DELIVERY_STATES)),
}, { additionalProperties: false });
export type DeliveryListQuery = Static<typeof DeliveryListQuery>;
