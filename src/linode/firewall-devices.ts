/**
 * Which services a Cloud Firewall protects (its "devices"): instances and NodeBalancers. A
 * service has at most one firewall; a firewall protects at most one NodeBalancer. A firewall
 * can also be given at create (`firewall_id` on an instance or NodeBalancer), which is one
 * request fewer; this is for attaching or moving it afterwards.
 */
import type { FirewallDevice } from '@linode/api-v4';
import { type ApiCalls, pageSize } from './calls.js';

export type { FirewallDevice };

export type DeviceKind = 'linode' | 'nodebalancer';

export class FirewallDevices {
  constructor(private readonly calls: ApiCalls) {}

  list(firewallId: number): Promise<FirewallDevice[]> {
    return this.calls.allPages(`listing what firewall ${firewallId} protects`, (page) =>
      this.calls.api.getFirewallDevices(firewallId, { page, page_size: pageSize }),
    );
  }

  /** Puts the service behind the firewall, exactly once (found again among the devices). */
  attach(firewallId: number, kind: DeviceKind, id: number): Promise<FirewallDevice> {
    return this.calls.createOnce(
      `attaching firewall ${firewallId} to ${kind} ${id}`,
      () => this.calls.api.addFirewallDevice(firewallId, { type: kind, id }),
      async () =>
        (await this.list(firewallId)).find(
          (device) => device.entity.type === kind && device.entity.id === id,
        ),
    );
  }

  /** Takes the service from behind the firewall; 'absent' when it was not there. */
  detach(firewallId: number, deviceId: number): Promise<'deleted' | 'absent'> {
    return this.calls.remove(`detaching device ${deviceId} from firewall ${firewallId}`, () =>
      this.calls.api.deleteFirewallDevice(firewallId, deviceId),
    );
  }
}
