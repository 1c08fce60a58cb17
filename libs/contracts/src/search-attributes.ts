import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes the Temporal UI filters incidents by; the dev server registers them at start. */
export const VigilSeverity = defineSearchAttributeKey('VigilSeverity', SearchAttributeType.KEYWORD);
export const VigilService = defineSearchAttributeKey('VigilService', SearchAttributeType.KEYWORD);
export const VigilStatus = defineSearchAttributeKey('VigilStatus', SearchAttributeType.KEYWORD);

export const VIGIL_SEARCH_ATTRIBUTES = [VigilSeverity, VigilService, VigilStatus] as const;

/** The Temporal CLI's spelling of each search attribute type. */
export const CLI_SEARCH_ATTRIBUTE_TYPES: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/**
 * The longest `service` a keyword search attribute holds everywhere: a Temporal cluster with SQL
 * visibility (PostgreSQL, MySQL) stores keywords as VARCHAR(255), and a longer one fails the
 * workflow's visibility writes, so it never shows in the UI's lists.
 */
export const MAX_SERVICE_LENGTH = 255;
