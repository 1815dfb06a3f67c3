import { describe, expect, it } from 'vitest'
import { getKeys, setKeys } from './key-value-file.js'

const FILE = `# Hostname
AUTO_SETUP_NET_HOSTNAME=DietPi

# SSH server pubkey
#AUTO_SETUP_SSH_PUBKEY=ssh-ed25519 AAAA example
AUTO_SETUP_AUTOMATED=0
UNRELATED=keep me
`

describe('setKeys: in-place edits of KEY=value files', () => {
  it('replaces values in place and keeps every other line', () => {
    const out = setKeys(FILE, [['AUTO_SETUP_NET_HOSTNAME', 'pi-1'], ['AUTO_SETUP_AUTOMATED', '1']])
    expect(out).toBe(FILE.replace('=DietPi', '=pi-1').replace('AUTOMATED=0', 'AUTOMATED=1'))
  })

  it('puts a missing key after its commented example, or at the end under a marker', () => {
    const out = setKeys(FILE, [['AUTO_SETUP_SSH_PUBKEY', ['ssh-ed25519 AAAA one', 'ssh-rsa BBBB two']], ['NEW_KEY', 'v']], '# marker')
    expect(out).toBe(FILE.replace('AAAA example\n', 'AAAA example\nAUTO_SETUP_SSH_PUBKEY=ssh-ed25519 AAAA one\nAUTO_SETUP_SSH_PUBKEY=ssh-rsa BBBB two\n') + '\n# marker\nNEW_KEY=v\n')
  })

  it('list keys keep existing values and add only new ones; running twice changes nothing', () => {
    const once = setKeys(FILE, [['AUTO_SETUP_SSH_PUBKEY', ['ssh-ed25519 AAAA one']], ['X', '1']])
    expect(setKeys(once, [['AUTO_SETUP_SSH_PUBKEY', ['ssh-ed25519 AAAA one']], ['X', '1']])).toBe(once)
    expect(getKeys(setKeys(once, [['AUTO_SETUP_SSH_PUBKEY', ['ssh-ed25519 CCCC three']]]), 'AUTO_SETUP_SSH_PUBKEY')).toEqual(['ssh-ed25519 AAAA one', 'ssh-ed25519 CCCC three'])
  })

  it('keeps CRLF line endings and a missing final newline', () => {
    expect(setKeys('A=1\r\nB=2\r\n', [['B', '3']])).toBe('A=1\r\nB=3\r\n')
    expect(setKeys('A=1', [['A', '2']])).toBe('A=2')
  })

  it('edits bash array slots (dietpi-wifi.txt) and refuses multi-line values', () => {
    expect(setKeys("aWIFI_SSID[0]=''\naWIFI_SSID[1]=''\n", [['aWIFI_SSID[1]', "'x'"]])).toBe("aWIFI_SSID[0]=''\naWIFI_SSID[1]='x'\n")
    expect(() => setKeys(FILE, [['AUTO_SETUP_NET_HOSTNAME', 'a\nROOT=1']])).toThrow(/must be one line/)
  })
})
