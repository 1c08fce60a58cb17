import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes the Temporal UI filters incidents by; the dev server registers them at start. */
export const VigilSeverity = defineSearchAttributeKey('VigilSeverity', SearchAttributeType.KEYWORD);
export const VigilService = defineSearchAttributeKey('VigilService', SearchAttributeType.KEYWORD);
export const VigilStatus = defineSearchAttributeKey('VigilStatus', SearchAttributeType.KEYWORD);

export const VIGIL_SEARCH_ATTRIBUTES = [VigilSeverity, VigilService, VigilStatus] as const;
