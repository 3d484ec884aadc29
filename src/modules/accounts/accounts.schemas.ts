import { Type, type Static } from '@sinclair/typebox';
import { GRANTS, ROLES, TOKEN_SCOPES } from '../../db/schema/index.js';
import { Instant, Nullable, ShortText, StringEnum, Uuid } from '../../lib/schemas.js';

const Email = Type.String({ pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$', maxLength: 200 });
/** Long enough to resist guessing; no composition rules (NIST SP 800-63B). */
const Password = Type.String({ minLength: 10, maxLength: 200 });
const Role = StringEnum(ROLES);

export const AccountSchema = Type.Object({
  id: Uuid,
  email: Type.String(),
  displayName: Type.String(),
  role: Role,
  grants: Type.Array(StringEnum(GRANTS)),
  unitIds: Type.Array(Uuid),
  hasPassword: Type.Boolean({ description: 'false until the invitation is accepted' }),
  disabledAt: Nullable(Type.String({ format: 'date-time' })),
}, { $id: 'Account' });

export const LoginBody = Type.Object({ email: Email, password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export const LoginResponse = Type.Object({
  account: Type.Ref(AccountSchema),
  csrfToken: Type.String({ description: 'Send it as the x-csrf-token header with every change made through the session cookie' }),
});
export const ChangePasswordBody = Type.Object({ currentPassword: Type.String({ minLength: 1, maxLength: 200 }), newPassword: Password }, { additionalProperties: false });
export const PasswordResetBody = Type.Object({ email: Email }, { additionalProperties: false });

export const PasswordLinkBody = Type.Object({ secret: Type.String({ minLength: 10, maxLength: 200 }), password: Password }, { additionalProperties: false });

export const InviteBody = Type.Object({
  email: Email,
  displayName: ShortText(100),
  role: Role,
  unitIds: Type.Optional(Type.Array(Uuid, { maxItems: 50, uniqueItems: true })),
  grants: Type.Optional(Type.Array(StringEnum(GRANTS), { uniqueItems: true })),
}, { additionalProperties: false });
export type InviteBody = Static<typeof InviteBody>;
export const InviteResponse = Type.Object({
  account: Type.Ref(AccountSchema),
  inviteUrl: Type.String({ description: 'Shown once: the person sets their password there' }),
});
export const UpdateAccountBody = Type.Partial(Type.Object({
  displayName: ShortText(100),
  role: Role,
  unitIds: Type.Array(Uuid, { maxItems: 50, uniqueItems: true }),
  grants: Type.Array(StringEnum(GRANTS), { uniqueItems: true }),
  disabled: Type.Boolean(),
}), { additionalProperties: false, minProperties: 1 });

export const TokenSchema = Type.Object({
  id: Uuid,
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters, to tell tokens apart' }),
  scope: StringEnum(TOKEN_SCOPES),
  unitId: Nullable(Uuid),
  expiresAt: Nullable(Type.String({ format: 'date-time' })),
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
  lastUsedAt: Nullable(Type.String({ format: 'date-time' })),
  createdAt: Type.String({ format: 'date-time' }),
}, { $id: 'ApiToken' });
export const CreateTokenBody = Type.Object({
  name: ShortText(100),
  scope: StringEnum(TOKEN_SCOPES),
  unitId: Type.Optional(Nullable(Uuid)),
  expiresAt: Type.Optional(Nullable(Instant)),
}, { additionalProperties: false });
export const CreatedTokenResponse = Type.Object({
  token: Type.Ref(TokenSchema),
  secret: Type.String({ description: 'Shown once; send as Authorization: Bearer <secret>' }),
});
