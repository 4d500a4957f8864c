/** RFC 7644 §8.1. The registration defines no parameters, so none is sent. */
export const SCIM_MEDIA_TYPE = 'application/scim+json';
