/**
 * The unified models, version 1, as JSON Schema (draft 2020-12) plus matching TypeScript types.
 * A schema change that a stored record or a mapping could notice gets a new version; version 1
 * stays valid for the records written with it.
 */
import type { ModelDefinition, ModelName, UnifiedRecord } from './types.js';

const nullable = (schema: Record<string, unknown>, description: string) => ({
  anyOf: [schema, { type: 'null' }],
  description,
});
const text = (description: string) => nullable({ type: 'string' }, description);
const instant = (description: string) =>
  nullable({ type: 'string', format: 'date-time', pattern: 'Z$' }, `${description} (ISO 8601 UTC)`);
const day = (description: string) =>
  nullable({ type: 'string', format: 'date' }, `${description} (YYYY-MM-DD, no zone)`);
const oneOf = (values: readonly string[], description: string) =>
  nullable({ type: 'string', enum: values }, description);

function model(
  name: ModelName,
  description: string,
  properties: Record<string, unknown>,
): ModelDefinition {
  return {
    name,
    version: 1,
    description,
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: `https://joinery.dev/schemas/${name}/v1`,
      title: name,
      description,
      type: 'object',
      required: ['id'],
      additionalProperties: false,
      properties: {
        id: { type: 'string', minLength: 1, description: "The provider's id of the record." },
        ...properties,
        createdAt: instant('When the provider created the record'),
        updatedAt: instant('When the provider last changed the record'),
        custom: {
          type: 'object',
          description: "The tenant's custom fields, named by its mapping overrides.",
        },
      },
    },
  };
}

export const LIFECYCLE_STAGES = [
  'subscriber',
  'lead',
  'marketing_qualified_lead',
  'sales_qualified_lead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

export interface Contact extends UnifiedRecord {
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
  phone?: string | null;
  companyName?: string | null;
  jobTitle?: string | null;
  lifecycleStage?: LifecycleStage | null;
  /** Open set, lower snake case: `new`, `open`, `in_progress`, `unqualified`, `connected`… */
  leadStatus?: string | null;
  /** Open set, lower snake case: `web`, `phone_inquiry`, `partner_referral`, `purchased_list`… */
  leadSource?: string | null;
}

export interface Company extends UnifiedRecord {
  name?: string | null;
  domain?: string | null;
  industry?: string | null;
  phone?: string | null;
  website?: string | null;
  city?: string | null;
  employeeCount?: number | null;
}

export interface Deal extends UnifiedRecord {
  name?: string | null;
  amount?: number | null;
  /** ISO 4217. */
  currency?: string | null;
  stage?: string | null;
  closeDate?: string | null;
  /** 0 to 1. */
  probability?: number | null;
  companyId?: string | null;
  ownerId?: string | null;
}

export const TICKET_STATUSES = ['open', 'pending', 'on_hold', 'solved', 'closed'] as const;
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

export interface Ticket extends UnifiedRecord {
  subject?: string | null;
  description?: string | null;
  status?: (typeof TICKET_STATUSES)[number] | null;
  priority?: (typeof TICKET_PRIORITIES)[number] | null;
  requesterEmail?: string | null;
  assigneeId?: string | null;
}

export interface Message extends UnifiedRecord {
  threadId?: string | null;
  channel?: string | null;
  from?: string | null;
  to?: string[] | null;
  subject?: string | null;
  body?: string | null;
  sentAt?: string | null;
}

export interface User extends UnifiedRecord {
  name?: string | null;
  email?: string | null;
  active?: boolean | null;
  role?: string | null;
}

/** Every model, newest version, by name. */
export const models = {
  Contact: model('Contact', 'A person a business talks to: a CRM contact.', {
    firstName: text('Given name'),
    lastName: text('Family name'),
    email: nullable({ type: 'string', format: 'email' }, 'Primary email address'),
    phone: text('Primary phone number, as the provider has it'),
    companyName: text('Name of the company the contact works at'),
    jobTitle: text('Job title'),
    lifecycleStage: oneOf(LIFECYCLE_STAGES, 'Where the contact is in the marketing/sales funnel'),
    leadStatus: text('Sales status of the lead, lower snake case (open set)'),
    leadSource: text('Where the lead came from, lower snake case (open set)'),
  }),
  Company: model('Company', 'An organisation: a CRM company or account.', {
    name: text('Company name'),
    domain: text('Primary web domain, without scheme'),
    industry: text('Industry, as the provider names it'),
    phone: text('Main phone number'),
    website: text('Website URL'),
    city: text('City of the main address'),
    employeeCount: nullable({ type: 'integer', minimum: 0 }, 'Number of employees'),
  }),
  Deal: model('Deal', 'A sales opportunity.', {
    name: text('Deal name'),
    amount: nullable({ type: 'number' }, 'Value in `currency`'),
    currency: nullable({ type: 'string', pattern: '^[A-Z]{3}$' }, 'ISO 4217 currency code'),
    stage: text('Pipeline stage'),
    closeDate: day('Expected or actual close date'),
    probability: nullable({ type: 'number', minimum: 0, maximum: 1 }, 'Win probability, 0 to 1'),
    companyId: text("The provider's id of the company"),
    ownerId: text("The provider's id of the owning user"),
  }),
  Ticket: model('Ticket', 'A support ticket or issue.', {
    subject: text('One-line summary'),
    description: text('Body of the ticket'),
    status: oneOf(TICKET_STATUSES, 'Ticket status'),
    priority: oneOf(TICKET_PRIORITIES, 'Ticket priority'),
    requesterEmail: nullable({ type: 'string', format: 'email' }, "Requester's email"),
    assigneeId: text("The provider's id of the assigned user"),
  }),
  Message: model('Message', 'An email, chat message or comment.', {
    threadId: text('Conversation or thread id'),
    channel: text('Channel, mailbox or conversation name'),
    from: text('Sender address or user id'),
    to: nullable({ type: 'array', items: { type: 'string' } }, 'Recipients'),
    subject: text('Subject line'),
    body: text('Plain-text body'),
    sentAt: instant('When the message was sent'),
  }),
  User: model('User', 'A user of the provider: an agent, a CRM owner, a workspace member.', {
    name: text('Display name'),
    email: nullable({ type: 'string', format: 'email' }, 'Email address'),
    active: nullable({ type: 'boolean' }, 'Whether the user can sign in'),
    role: text('Role, as the provider names it'),
  }),
} as const satisfies Record<ModelName, ModelDefinition>;

/** The TypeScript type of each model, by name. */
export interface ModelTypes {
  Contact: Contact;
  Company: Company;
  Deal: Deal;
  Ticket: Ticket;
  Message: Message;
  User: User;
}
