/**
 * The sObjects the sandbox has and their fields: a subset of the standard Contact and Account
 * fields (Contact's `LeadSource` picklist among them) plus the custom picklist `Tier__c`, with the properties `describe` reports and the
 * REST API enforces (createable, updateable, nillable, length, restricted picklists).
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contact.htm
 */

export type FieldType =
  | 'id'
  | 'string'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'reference'
  | 'datetime'
  | 'boolean'
  | 'int';

export interface FieldDefinition {
  name: string;
  label: string;
  type: FieldType;
  length: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  custom: boolean;
  /** Set by Salesforce on create when not given (`OwnerId`, `IsDeleted`). */
  defaultedOnCreate: boolean;
  picklistValues?: readonly string[];
  restrictedPicklist?: boolean;
  referenceTo?: string;
  /** `Account` for `AccountId`: the name SOQL uses for the parent (`Account.Name`). */
  relationshipName?: string;
}

export interface SObjectDefinition {
  name: 'Contact' | 'Account';
  label: string;
  labelPlural: string;
  keyPrefix: string;
  fields: readonly FieldDefinition[];
}

type Options = Partial<Omit<FieldDefinition, 'name' | 'label' | 'type'>>;
const field = (
  name: string,
  label: string,
  type: FieldType,
  options: Options = {},
): FieldDefinition => ({
  name,
  label,
  type,
  length:
    options.length ??
    (type === 'string' || type === 'email' || type === 'phone' || type === 'url'
      ? 255
      : type === 'id' || type === 'reference'
        ? 18
        : 0),
  nillable: options.nillable ?? true,
  createable: options.createable ?? true,
  updateable: options.updateable ?? true,
  custom: options.custom ?? false,
  defaultedOnCreate: options.defaultedOnCreate ?? false,
  ...(options.picklistValues === undefined
    ? {}
    : {
        picklistValues: options.picklistValues,
        restrictedPicklist: options.restrictedPicklist ?? false,
      }),
  ...(options.referenceTo === undefined ? {} : { referenceTo: options.referenceTo }),
  ...(options.relationshipName === undefined ? {} : { relationshipName: options.relationshipName }),
});
const system = (name: string, label: string, type: FieldType, options: Options = {}) =>
  field(name, label, type, {
    nillable: false,
    createable: false,
    updateable: false,
    defaultedOnCreate: true,
    ...options,
  });

/** A restricted picklist: any other value is `INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST`. */
const tier = field('Tier__c', 'Tier', 'picklist', {
  custom: true,
  picklistValues: ['Gold', 'Silver', 'Bronze'],
  restrictedPicklist: true,
});
const audit = [
  system('OwnerId', 'Owner ID', 'reference', {
    createable: true,
    updateable: true,
    referenceTo: 'User',
    relationshipName: 'Owner',
  }),
  system('CreatedDate', 'Created Date', 'datetime'),
  system('LastModifiedDate', 'Last Modified Date', 'datetime'),
  system('SystemModstamp', 'System Modstamp', 'datetime'),
];

export const CONTACT: SObjectDefinition = {
  name: 'Contact',
  label: 'Contact',
  labelPlural: 'Contacts',
  keyPrefix: '003',
  fields: [
    system('Id', 'Contact ID', 'id'),
    system('IsDeleted', 'Deleted', 'boolean'),
    field('AccountId', 'Account ID', 'reference', {
      referenceTo: 'Account',
      relationshipName: 'Account',
    }),
    field('LastName', 'Last Name', 'string', { length: 80, nillable: false }),
    field('FirstName', 'First Name', 'string', { length: 40 }),
    system('Name', 'Full Name', 'string', { length: 121 }),
    field('Title', 'Title', 'string', { length: 128 }),
    field('Phone', 'Business Phone', 'phone', { length: 40 }),
    field('Email', 'Email', 'email', { length: 80 }),
    // A standard picklist, open (not restricted), with a new org's default values.
    field('LeadSource', 'Lead Source', 'picklist', {
      length: 255,
      picklistValues: ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'],
    }),
    tier,
    ...audit,
  ],
};

export const ACCOUNT: SObjectDefinition = {
  name: 'Account',
  label: 'Account',
  labelPlural: 'Accounts',
  keyPrefix: '001',
  fields: [
    system('Id', 'Account ID', 'id'),
    system('IsDeleted', 'Deleted', 'boolean'),
    field('Name', 'Account Name', 'string', { nillable: false }),
    field('Industry', 'Industry', 'picklist', {
      length: 255,
      picklistValues: [
        'Agriculture',
        'Banking',
        'Education',
        'Energy',
        'Government',
        'Technology',
        'Other',
      ],
    }),
    field('Phone', 'Account Phone', 'phone', { length: 40 }),
    field('Website', 'Website', 'url'),
    field('BillingCity', 'Billing City', 'string', { length: 40 }),
    field('NumberOfEmployees', 'Employees', 'int'),
    tier,
    ...audit,
  ],
};

export const SOBJECTS: readonly SObjectDefinition[] = [ACCOUNT, CONTACT];

/** sObject names are case-insensitive in URLs and SOQL. */
export function sobjectNamed(name: string): SObjectDefinition | undefined {
  return SOBJECTS.find((sobject) => sobject.name.toLowerCase() === name.toLowerCase());
}

/** Field names are case-insensitive too; this returns the canonical definition. */
export function fieldNamed(sobject: SObjectDefinition, name: string): FieldDefinition | undefined {
  const wanted = name.toLowerCase();
  return sobject.fields.find((candidate) => candidate.name.toLowerCase() === wanted);
}

/** The required fields on create: not nillable, createable, not defaulted. */
export const requiredFields = (sobject: SObjectDefinition) =>
  sobject.fields.filter((f) => !f.nillable && f.createable && !f.defaultedOnCreate);

const SOAP_TYPES: Record<FieldType, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  url: 'xsd:string',
  picklist: 'xsd:string',
  datetime: 'xsd:dateTime',
  boolean: 'xsd:boolean',
  int: 'xsd:int',
};

/** `GET …/sobjects/{name}/describe`: the object and its fields, in the shape Salesforce sends. */
export function describe(sobject: SObjectDefinition, version: string) {
  const base = `/services/data/v${version}/sobjects/${sobject.name}`;
  return {
    actionOverrides: [],
    activateable: false,
    childRelationships: [],
    compactLayoutable: true,
    createable: true,
    custom: false,
    customSetting: false,
    deletable: true,
    deprecatedAndHidden: false,
    feedEnabled: false,
    fields: sobject.fields.map((f) => ({
      aggregatable: f.type !== 'boolean',
      autoNumber: false,
      byteLength: f.length * 3,
      calculated: false,
      createable: f.createable,
      custom: f.custom,
      defaultValue: null,
      defaultedOnCreate: f.defaultedOnCreate,
      filterable: true,
      groupable: f.type !== 'datetime',
      idLookup: f.type === 'id' || f.type === 'email',
      label: f.label,
      length: f.length,
      name: f.name,
      nillable: f.nillable,
      picklistValues: (f.picklistValues ?? []).map((value) => ({
        active: true,
        defaultValue: false,
        label: value,
        validFor: null,
        value,
      })),
      precision: 0,
      referenceTo: f.referenceTo === undefined ? [] : [f.referenceTo],
      relationshipName: f.relationshipName ?? null,
      restrictedPicklist: f.restrictedPicklist ?? false,
      scale: 0,
      soapType: SOAP_TYPES[f.type],
      sortable: true,
      type: f.type,
      unique: false,
      updateable: f.updateable,
    })),
    keyPrefix: sobject.keyPrefix,
    label: sobject.label,
    labelPlural: sobject.labelPlural,
    layoutable: true,
    mergeable: true,
    name: sobject.name,
    queryable: true,
    retrieveable: true,
    searchable: true,
    triggerable: true,
    undeletable: true,
    updateable: true,
    urls: {
      compactLayouts: `${base}/describe/compactLayouts`,
      rowTemplate: `${base}/{ID}`,
      describe: `${base}/describe`,
      sobject: base,
    },
  };
}
