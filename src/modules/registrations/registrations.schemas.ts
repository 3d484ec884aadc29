import { Type, type Static } from '@sinclair/typebox';
import { LANGUAGES, QUESTION_KINDS, REGISTRATION_KINDS, REGISTRATION_SOURCES, REGISTRATION_STATUSES } from '../../db/schema/index.js';
import { Nullable, ShortText, StringEnum, Uuid, pageOf } from '../../lib/schemas.js';

const Email = Type.String({ format: 'email', maxLength: 200 });
const Phone = Type.String({ minLength: 1, maxLength: 20, description: 'Mainland mobile, 11 digits starting with 1' });
const AnswerValue = Type.Union([Type.String({ maxLength: 1000 }), Type.Array(Type.String({ maxLength: 200 }), { maxItems: 50 }), Type.Boolean()]);

/**
 * One body for both kinds, so a wrong field gets one clear error rather than every branch
 * of a union; which fields a kind needs is checked by the service (422 naming them).
 */
export const SignUpBody = Type.Object({
  kind: StringEnum(REGISTRATION_KINDS),
  sessionId: Type.Optional(Uuid),
  /** individual */
  name: Type.Optional(ShortText(100)),
  phone: Type.Optional(Phone),
  email: Type.Optional(Email),
  partySize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Individual: people coming, 1 to the event\'s partySizeLimit' })),
  /** class */
  school: Type.Optional(ShortText(200)),
  gradeClass: Type.Optional(ShortText(100)),
  headcount: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Class: pupils and accompanying teachers' })),
  teacherName: Type.Optional(ShortText(100)),
  teacherPhone: Type.Optional(Phone),
  teacherEmail: Type.Optional(Email),
  language: Type.Optional(StringEnum(LANGUAGES)),
  // Required, but checked with the other fields (422 naming it) rather than by the schema, so a
  // form sent without the box ticked hears of every other missing field in the same answer.
  consentVersion: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'Required: the version of the consent text agreed to (GET /consent); a sign-up without it gets 422 naming it, with any other field at fault' })),
  answers: Type.Optional(Type.Record(Uuid, AnswerValue, { description: 'Answers to the event\'s questions, by question id' })),
  transferConsentVersion: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'Optional: the version of the separate consent to pass the registration to the organizer\'s own systems (GET /consent, `transfer`); without it nothing is passed on' })),
}, { additionalProperties: false });
export type SignUpBody = Static<typeof SignUpBody>;

export const AssistedSignUpBody = Type.Object({
  ...SignUpBody.properties,
  walkIn: Type.Optional(Type.Boolean({ description: 'Came without registering: recorded as attended' })),
}, { additionalProperties: false });
export type AssistedSignUpBody = Static<typeof AssistedSignUpBody>;

export const ChangeRegistrationBody = Type.Object({
  partySize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  headcount: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  language: Type.Optional(StringEnum(LANGUAGES)),
}, { additionalProperties: false, minProperties: 1 });
export type ChangeRegistrationBody = Static<typeof ChangeRegistrationBody>;

// In answers the value is written as is: a union here would make the serializer validate every value.
const Answer = Type.Object({ questionId: Uuid, value: Type.Unsafe<Static<typeof AnswerValue>>({ description: 'A text, a list of option values, or true/false' }) });

/** What the person sees through their manage link, and organizers of the event. */
export const RegistrationSchema = Type.Object({
  id: Uuid,
  eventId: Uuid,
  sessionId: Uuid,
  kind: StringEnum(REGISTRATION_KINDS),
  status: StringEnum(REGISTRATION_STATUSES),
  source: StringEnum(REGISTRATION_SOURCES),
  headcount: Type.Integer(),
  waitlistPosition: Nullable(Type.Integer({ description: 'Place on the waiting list (1: next), while waitlisted' })),
  language: StringEnum(LANGUAGES),
  name: Nullable(Type.String({ description: 'The person, or the class\'s teacher' })),
  phone: Nullable(Type.String()),
  email: Nullable(Type.String()),
  school: Nullable(Type.String()),
  gradeClass: Nullable(Type.String()),
  checkInCode: Type.String(),
  checkedInHeadcount: Nullable(Type.Integer()),
  checkedInAt: Nullable(Type.String({ format: 'date-time' })),
  consentVersion: Type.String(),
  transferConsentVersion: Nullable(Type.String({ description: 'The separate consent to pass it to the organizer\'s own systems, if given' })),
  answers: Type.Array(Answer),
  session: Type.Object({ startsAt: Type.String({ format: 'date-time' }), endsAt: Type.String({ format: 'date-time' }), status: Type.String() }),
  event: Type.Object({ id: Uuid, titleZh: Type.String(), titleEn: Nullable(Type.String()), status: Type.String() }),
  anonymized: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  statusChangedAt: Type.String({ format: 'date-time' }),
}, { $id: 'Registration' });
export type RegistrationResponse = Static<typeof RegistrationSchema>;

export const SendLinkBody = Type.Object({ email: Email }, { additionalProperties: false });
export type SendLinkBody = Static<typeof SendLinkBody>;

export const SignUpResponse = Type.Object({
  registration: Type.Ref(RegistrationSchema),
  manageToken: Type.String({ description: 'The private link\'s token: keep it, it is the way to change or cancel without an account (it is also in every mail to the registrant)' }),
  manageUrl: Type.String(),
  emailNotices: Type.Boolean({ description: 'Whether mail will come (confirmation, reminders, changes). False when only a phone number was given: the page should say that no mail will be sent, and to keep the link' }),
});

export const SessionTotals = Type.Object({
  sessionId: Uuid,
  startsAt: Type.String({ format: 'date-time' }),
  capacity: Nullable(Type.Integer()),
  seatsLeft: Nullable(Type.Integer()),
  confirmed: Type.Object({ registrations: Type.Integer(), headcount: Type.Integer() }),
  waitlisted: Type.Object({ registrations: Type.Integer(), headcount: Type.Integer() }),
  attended: Type.Object({ registrations: Type.Integer(), headcount: Type.Integer(), checkedInHeadcount: Type.Integer() }),
  cancelled: Type.Object({ registrations: Type.Integer(), headcount: Type.Integer() }),
  recordedAttendance: Type.Integer({ description: 'Headcount recorded without registration, all audiences' }),
});

export const RegistrationListQuery = Type.Object({
  sessionId: Type.Optional(Uuid),
  status: Type.Optional(StringEnum(REGISTRATION_STATUSES)),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Search: part of the name, email, school, class or check-in code, or of the phone number (digits, however written)' })),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  cursor: Type.Optional(Type.String({ maxLength: 100 })),
}, { additionalProperties: false });
export type RegistrationListQuery = Static<typeof RegistrationListQuery>;

export const RegistrationPage = Type.Object({
  ...pageOf(Type.Ref(RegistrationSchema)).properties,
  totals: Type.Array(SessionTotals),
});

export const ExportQuery = Type.Object({ sessionId: Type.Optional(Uuid) }, { additionalProperties: false });

export const CheckInBody = Type.Object({
  code: Type.Optional(Type.String({ minLength: 4, maxLength: 20, description: 'The check-in code on the confirmation' })),
  registrationId: Type.Optional(Uuid),
  headcount: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, description: 'People who actually came; default the registered headcount' })),
}, { additionalProperties: false, minProperties: 1 });
export type CheckInBody = Static<typeof CheckInBody>;

export const RegistrationParams = Type.Object({ id: Uuid, registrationId: Uuid }, { additionalProperties: false });
export const ManageParams = Type.Object({ token: Type.String({ minLength: 10, maxLength: 100 }) }, { additionalProperties: false });

export const AttendanceBody = Type.Object({
  counts: Type.Record(Type.String({ pattern: '^[a-z0-9]+(-[a-z0-9]+)*$' }), Type.Integer({ minimum: 0, maximum: 1_000_000 }), { description: 'Headcount per audience slug; replaces what was recorded' }),
}, { additionalProperties: false });
export type AttendanceBody = Static<typeof AttendanceBody>;
export const AttendanceResponse = Type.Object({ sessionId: Uuid, counts: Type.Record(Type.String(), Type.Integer()), total: Type.Integer() });

export const QuestionOptionSchema = Type.Object({ value: ShortText(100), labelZh: ShortText(200), labelEn: Type.Optional(Nullable(ShortText(200))) }, { additionalProperties: false });
export const QuestionSchema = Type.Object({
  id: Uuid,
  position: Type.Integer(),
  kind: StringEnum(QUESTION_KINDS),
  labelZh: Type.String(),
  labelEn: Nullable(Type.String()),
  options: Type.Array(QuestionOptionSchema),
  required: Type.Boolean(),
  hidden: Type.Boolean(),
}, { $id: 'Question' });
export type QuestionResponse = Static<typeof QuestionSchema>;

export const CreateQuestionBody = Type.Object({
  kind: StringEnum(QUESTION_KINDS),
  labelZh: ShortText(200),
  labelEn: Type.Optional(Nullable(ShortText(200))),
  options: Type.Optional(Type.Array(QuestionOptionSchema, { maxItems: 30 })),
  required: Type.Optional(Type.Boolean()),
  position: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
}, { additionalProperties: false });
export type CreateQuestionBody = Static<typeof CreateQuestionBody>;
export const UpdateQuestionBody = Type.Partial(Type.Object({
  kind: StringEnum(QUESTION_KINDS),
  labelZh: ShortText(200),
  labelEn: Nullable(ShortText(200)),
  options: Type.Array(QuestionOptionSchema, { maxItems: 30 }),
  required: Type.Boolean(),
  hidden: Type.Boolean(),
  position: Type.Integer({ minimum: 0, maximum: 1000 }),
}), { additionalProperties: false, minProperties: 1 });
export type UpdateQuestionBody = Static<typeof UpdateQuestionBody>;
export const QuestionParams = Type.Object({ id: Uuid, questionId: Uuid }, { additionalProperties: false });

const ConsentText = { version: Type.String(), textZh: Type.String(), textEn: Type.String() };
export const ConsentSchema = Type.Object({ ...ConsentText, transfer: Type.Object(ConsentText, { description: 'The separate, optional consent to pass a registration to the organizing unit\'s own systems' }) });
