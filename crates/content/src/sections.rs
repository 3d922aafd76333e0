//! The eight sections of the library: the directory names under a content root.

/// A section: its URL slug (also its directory name), its title and what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    pub slug: &'static str,
    pub title: &'static str,
    pub blurb: &'static str,
}

pub const SECTIONS: [Section; 8] = [
    Section {
        slug: "cheatsheets",
        title: "Cheatsheets",
        blurb: "The commands you reach for every week.",
    },
    Section {
        slug: "kubernetes",
        title: "Kubernetes",
        blurb: "Complete manifests, explained.",
    },
    Section {
        slug: "docker-compose",
        title: "Docker Compose",
        blurb: "Whole stacks that run as written.",
    },
    Section {
        slug: "comparisons",
        title: "Comparisons",
        blurb: "Side-by-side tables, with sources.",
    },
    Section {
        slug: "tutorials",
        title: "Tutorials",
        blurb: "Step-by-step playbooks with rollbacks.",
    },
    Section {
        slug: "config-files",
        title: "Config Files",
        blurb: "Commented production configurations.",
    },
    Section {
        slug: "stack",
        title: "Stack",
        blurb: "The services of a homelab and what each is for.",
    },
    Section {
        slug: "iac",
        title: "IaC",
        blurb: "Ansible, Terraform and shell templates.",
    },
];

pub fn section(slug: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.slug == slug)
}
