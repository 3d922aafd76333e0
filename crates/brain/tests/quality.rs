//! Retrieval quality over the shipped Resources library: a small labelled set of questions,
//! recall@5 printed for BM25 alone and for hybrid retrieval (HashEmbedder vectors), with a
//! floor asserted. Also: every citation anchor exists on the rendered page.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use workbench_brain::{Brain, BrainOptions, RetrievalMode};
use workbench_content::{Library, Store};
use workbench_llm::HashEmbedder;

/// A question, and the pages (section/slug) that answer it.
const LABELLED: &[(&str, &[&str])] = &[
    (
        "how do I free port 53 from systemd-resolved for a DNS server",
        &["docker-compose/adguard-home"],
    ),
    (
        "transcode video with the GPU in my media server",
        &["docker-compose/jellyfin"],
    ),
    (
        "expose a web app without opening ports on my router, with login in front",
        &[
            "tutorials/cloudflare-tunnel-with-access",
            "config-files/cloudflared-config",
            "docker-compose/vaultwarden-cloudflared-tunnel",
            "cheatsheets/cloudflared",
            "stack/cloudflared",
        ],
    ),
    (
        "which backup tool deduplicates and encrypts: restic, borg or kopia",
        &["comparisons/restic-vs-borg-vs-kopia"],
    ),
    (
        "back up named docker volumes off-site",
        &["tutorials/restic-docker-volumes", "stack/restic"],
    ),
    (
        "take automatic snapshots of a zfs dataset",
        &["tutorials/zfs-pool-and-snapshots", "cheatsheets/zfs"],
    ),
    (
        "disable password login and root login over ssh",
        &[
            "tutorials/harden-ssh",
            "config-files/sshd-hardening-fail2ban",
            "cheatsheets/ssh",
        ],
    ),
    (
        "ban IPs after failed ssh logins",
        &[
            "config-files/sshd-hardening-fail2ban",
            "tutorials/harden-ssh",
        ],
    ),
    (
        "wake a sleeping server from the network with a magic packet",
        &["tutorials/wake-on-lan"],
    ),
    (
        "get an email when a disk reports SMART errors",
        &["tutorials/smart-disk-monitoring"],
    ),
    (
        "run a language model on a machine without a GPU",
        &[
            "tutorials/ollama-cpu-only",
            "stack/ollama",
            "comparisons/ollama-vs-llama-cpp-vs-vllm",
        ],
    ),
    (
        "keep ollama models loaded in memory longer and listen on all interfaces",
        &[
            "config-files/ollama-systemd-override",
            "cheatsheets/ollama-cli",
            "stack/ollama",
        ],
    ),
    (
        "issue Let's Encrypt certificates in kubernetes",
        &["kubernetes/cert-manager-lets-encrypt"],
    ),
    (
        "block all traffic between pods except what I allow",
        &["kubernetes/networkpolicy-default-deny"],
    ),
    (
        "give a user read-only access to the cluster",
        &["kubernetes/rbac-read-only-user"],
    ),
    (
        "set CPU and memory requests and limits and liveness probes",
        &["kubernetes/resources-probes-autoscaling"],
    ),
    (
        "rotate container logs so the disk does not fill up",
        &[
            "config-files/docker-daemon-json",
            "config-files/logrotate-unattended-upgrades",
        ],
    ),
    (
        "reach the docker API of another host securely with certificates",
        &["tutorials/docker-host-over-tls"],
    ),
    (
        "wait for the database to be healthy before starting the app",
        &["docker-compose/healthchecks-depends-on-secrets-env"],
    ),
    (
        "move a compose stack and its data to a new server",
        &["tutorials/migrate-compose-stack"],
    ),
    (
        "encrypt secrets in git for ansible",
        &["iac/secrets-ansible-vault-sops"],
    ),
    (
        "create proxmox virtual machines from code",
        &["iac/terraform-proxmox-vms", "iac/packer-proxmox-template"],
    ),
    (
        "reverse proxy websockets with nginx",
        &["config-files/nginx-reverse-proxy"],
    ),
    (
        "route containers by docker labels to subdomains with automatic https",
        &[
            "docker-compose/traefik-reverse-proxy",
            "stack/traefik",
            "config-files/traefik-static-dynamic",
        ],
    ),
];

fn library_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../content/resources")
}

fn key_of(url: &str) -> &str {
    let path = url.split('#').next().unwrap_or(url);
    path.strip_prefix("/resources/").unwrap_or(path)
}

async fn recall_at_5(brain: &Brain, want_hybrid: bool) -> f64 {
    let mut hits = 0;
    for (q, relevant) in LABELLED {
        let r = brain.retrieve(q, 5).await.expect("retrieve");
        assert_eq!(
            matches!(r.mode, RetrievalMode::Hybrid),
            want_hybrid,
            "{:?}",
            r.mode
        );
        let found = r
            .passages
            .iter()
            .any(|p| relevant.contains(&key_of(&p.url)));
        if found {
            hits += 1;
        } else {
            let got: Vec<&str> = r.passages.iter().map(|p| key_of(&p.url)).collect();
            eprintln!("miss: {q:?} -> {got:?}");
        }
    }
    hits as f64 / LABELLED.len() as f64
}

fn options(store: PathBuf) -> BrainOptions {
    BrainOptions {
        store_path: store,
        note_dirs: Vec::new(),
        batch_max_chars: 16_000,
        batch_max_inputs: 32,
        request_timeout: Duration::from_secs(10),
        retries: 0,
        query_timeout: Duration::from_secs(2),
    }
}

#[tokio::test]
async fn recall_at_5_over_the_shipped_library() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store_path = dir.path().join("store.sqlite3");
    let lib = Library::load(&[library_root()]);
    assert!(lib.entries().count() > 50, "the shipped library loads");
    Store::open(&store_path)
        .expect("store")
        .index(&lib)
        .expect("indexed");

    let keyword = Brain::open(options(store_path.clone()), None).expect("open");
    let report = keyword.index(false).await.expect("index");
    let bm25 = recall_at_5(&keyword, false).await;

    let hybrid = Brain::open(
        options(store_path.clone()),
        Some(Arc::new(HashEmbedder::new("hash-256", 256))),
    )
    .expect("open");
    hybrid.index(false).await.expect("index");
    let fused = recall_at_5(&hybrid, true).await;
    println!(
        "recall@5 over {} labelled questions, {} chunks: BM25 alone {:.2}, hybrid (BM25 + HashEmbedder-256, RRF) {:.2}",
        LABELLED.len(),
        report.chunks_total,
        bm25,
        fused
    );
    assert!(bm25 >= 0.8, "BM25 recall@5 {bm25}");
    assert!(fused >= 0.8, "hybrid recall@5 {fused}");

    // Every citation anchor is an id on the rendered page.
    let conn = rusqlite::Connection::open(&store_path).expect("open");
    let mut stmt = conn
        .prepare("SELECT d.key, c.anchor FROM brain_chunks c JOIN brain_documents d ON d.id = c.doc WHERE d.source = 'resources'")
        .expect("prepare");
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert!(rows.len() > 200);
    for (key, anchor) in rows {
        if anchor.is_empty() {
            continue;
        }
        let entry = lib.entries().find(|e| e.key() == key).expect("entry");
        assert!(
            entry.rendered.anchors.contains(&anchor),
            "{key}#{anchor} is not an id on the page"
        );
    }
}
