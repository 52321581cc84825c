/**
 * The simulated camera's device service (`/onvif/device_service`, ONVIF Core, device WSDL
 * ver10): the SOAP Body of each answer. GetSystemDateAndTime, GetHostname,
 * GetCapabilities and GetServices are PRE_AUTH (Core §5.9.4.3, auth.ts). Pure (no I/O).
 */
import { escapeXml, fault, NS, ok, type SoapReply } from './soap-xml.js';

/** What the device service states about the camera. */
export interface DeviceFacts {
  /** `http://host:port`, the device service's own address. */
  base: string;
  /** The base the media and event XAddrs name (`reportHost` when the options ask for it in `services`). */
  svcBase: string;
  /** The camera's clock. */
  now: () => Date;
  manufacturer: string;
  hardware: string;
  serial: string;
  name: string;
  host: string;
  scopes: () => string[];
}

export function deviceService(op: string, dev: DeviceFacts): SoapReply {
  const b = dev.base;
  const svcBase = dev.svcBase;
  switch (op) {
    case 'GetSystemDateAndTime': {
      const d = dev.now();
      return ok(
        `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>` +
          `<tt:TimeZone><tt:TZ>CST-8</tt:TZ></tt:TimeZone><tt:UTCDateTime><tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour>` +
          `<tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time>` +
          `<tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date>` +
          `</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`,
      );
    }
    case 'GetDeviceInformation':
      return ok(
        `<tds:GetDeviceInformationResponse><tds:Manufacturer>${escapeXml(dev.manufacturer)}</tds:Manufacturer>` +
          `<tds:Model>${escapeXml(dev.hardware)}</tds:Model>` +
          `<tds:FirmwareVersion>V5.7.3 build 240101</tds:FirmwareVersion><tds:SerialNumber>${escapeXml(dev.serial)}</tds:SerialNumber>` +
          `<tds:HardwareId>88</tds:HardwareId></tds:GetDeviceInformationResponse>`,
      );
    case 'GetCapabilities':
      return ok(
        `<tds:GetCapabilitiesResponse><tds:Capabilities>` +
          `<tt:Device><tt:XAddr>${b}/onvif/device_service</tt:XAddr><tt:Network><tt:IPFilter>false</tt:IPFilter>` +
          `<tt:ZeroConfiguration>false</tt:ZeroConfiguration><tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS></tt:Network>` +
          `<tt:System><tt:DiscoveryResolve>true</tt:DiscoveryResolve><tt:DiscoveryBye>true</tt:DiscoveryBye>` +
          `<tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup><tt:SystemLogging>false</tt:SystemLogging>` +
          `<tt:FirmwareUpgrade>false</tt:FirmwareUpgrade><tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tt:SupportedVersions>` +
          `</tt:System>` +
          `<tt:IO><tt:InputConnectors>1</tt:InputConnectors><tt:RelayOutputs>0</tt:RelayOutputs></tt:IO><tt:Security><tt:TLS1.1>false</tt:TLS1.1>` +
          `<tt:TLS1.2>false</tt:TLS1.2><tt:OnboardKeyGeneration>false</tt:OnboardKeyGeneration><tt:AccessPolicyConfig>false</tt:AccessPolicyConfig>` +
          `<tt:X.509Token>false</tt:X.509Token><tt:SAMLToken>false</tt:SAMLToken><tt:KerberosToken>false</tt:KerberosToken>` +
          `<tt:RELToken>false</tt:RELToken></tt:Security></tt:Device>` +
          `<tt:Events><tt:XAddr>${svcBase}/onvif/event_service</tt:XAddr><tt:WSSubscriptionPolicySupport>false</tt:WSSubscriptionPolicySupport>` +
          `<tt:WSPullPointSupport>true</tt:WSPullPointSupport>` +
          `<tt:WSPausableSubscriptionManagerInterfaceSupport>false</tt:WSPausableSubscriptionManagerInterfaceSupport></tt:Events>` +
          `<tt:Media><tt:XAddr>${svcBase}/onvif/media_service</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>` +
          `<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>` +
          `</tds:Capabilities></tds:GetCapabilitiesResponse>`,
      );
    case 'GetServices': {
      const svc = (ns: string, path: string): string =>
        `<tds:Service><tds:Namespace>${ns}</tds:Namespace><tds:XAddr>${ns === NS.tds ? b : svcBase}${path}</tds:XAddr><tds:Version>` +
        `<tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>`;
      return ok(
        `<tds:GetServicesResponse>` +
          `${svc(NS.tds, '/onvif/device_service')}${svc(NS.trt, '/onvif/media_service')}${svc(NS.tev, '/onvif/event_service')}</tds:GetServicesResponse>`,
      );
    }
    case 'GetScopes':
      return ok(
        `<tds:GetScopesResponse>${dev
          .scopes()
          .map((s) => `<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>${escapeXml(s)}</tt:ScopeItem></tds:Scopes>`)
          .join('')}</tds:GetScopesResponse>`,
      );
    case 'GetNTP':
      return ok(
        `<tds:GetNTPResponse><tds:NTPInformation><tt:FromDHCP>false</tt:FromDHCP><tt:NTPManual><tt:Type>IPv4</tt:Type>` +
          `<tt:IPv4Address>127.0.0.1</tt:IPv4Address></tt:NTPManual></tds:NTPInformation></tds:GetNTPResponse>`,
      );
    case 'GetHostname':
      return ok(
        `<tds:GetHostnameResponse><tds:HostnameInformation><tt:FromDHCP>false</tt:FromDHCP><tt:Name>${escapeXml(dev.name)}</tt:Name>` +
          `</tds:HostnameInformation></tds:GetHostnameResponse>`,
      );
    case 'GetNetworkInterfaces':
      return ok(
        `<tds:GetNetworkInterfacesResponse><tds:NetworkInterfaces token="eth0"><tt:Enabled>true</tt:Enabled><tt:Info><tt:Name>eth0</tt:Name>` +
          `<tt:HwAddress>02:00:00:00:00:01</tt:HwAddress><tt:MTU>1500</tt:MTU></tt:Info>` +
          `<tt:IPv4><tt:Enabled>true</tt:Enabled><tt:Config><tt:Manual><tt:Address>${dev.host}</tt:Address><tt:PrefixLength>8</tt:PrefixLength>` +
          `</tt:Manual><tt:DHCP>false</tt:DHCP></tt:Config></tt:IPv4></tds:NetworkInterfaces></tds:GetNetworkInterfacesResponse>`,
      );
    default:
      return fault(false, 'ter:ActionNotSupported', `${op} is not supported`);
  }
}
