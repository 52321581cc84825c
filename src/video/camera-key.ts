/** A camera's identity across the hub: camera ids are unique per site, not across sites. */
export const cameraKey = (siteId: string, cameraId: string): string => `${siteId}/${cameraId}`;
