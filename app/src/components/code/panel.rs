//! The editor frame with its Reload and Open-in-new-tab buttons. The Workbench mounts this
//! on the Code tab's first opening and keeps it, so the frame loads once.

use leptos::html::Iframe;
use leptos::prelude::*;

use super::setup::{SetupHelp, Unreachable};
use super::{CodeAvailability, code_status};

#[component]
pub fn CodePanel() -> impl IntoView {
    let status = Resource::new(|| (), |_| code_status());
    // "Show it anyway": the browser may reach what the server cannot (a VPN, a local name).
    let forced = RwSignal::new(None::<String>);
    let retry = move || status.refetch();
    view! {
        <div class="code-panel">
            <Suspense fallback=|| view! { <p class="code-wait">"Looking for code-server…"</p> }>
                {move || {
                    if let Some(url) = forced.get() {
                        return view! { <CodeFrame url /> }.into_any();
                    }
                    status
                        .get()
                        .map(|result| match result {
                            Ok(CodeAvailability::Ready { url }) => view! { <CodeFrame url /> }.into_any(),
                            Ok(CodeAvailability::Unreachable { url }) => {
                                let shown = url.clone();
                                view! {
                                    <Unreachable
                                        url=shown
                                        on_retry=Callback::new(move |()| retry())
                                        on_force=Callback::new(move |()| forced.set(Some(url.clone())))
                                    />
                                }
                                    .into_any()
                            }
                            Ok(CodeAvailability::NotConfigured) => view! { <SetupHelp /> }.into_any(),
                            Err(_) => {
                                view! {
                                    <div class="code-setup" role="alert">
                                        <h2>"Could not ask the server about code-server"</h2>
                                        <p>"Check that Workbench is running, then reload this page."</p>
                                    </div>
                                }
                                    .into_any()
                            }
                        })
                        .into_any()
                }}
            </Suspense>
        </div>
    }
}

#[component]
fn CodeFrame(url: String) -> impl IntoView {
    let frame = NodeRef::<Iframe>::new();
    let src = url.clone();
    let reload = move |_| {
        // A cross-origin frame's location cannot be reloaded from here; setting its `src`
        // (even to the same value) navigates it again.
        if let Some(el) = frame.get() {
            el.set_src(&src);
        }
    };
    view! {
        <div class="code-toolbar">
            <span class="code-url" title=url.clone()>{url.clone()}</span>
            <button type="button" class="button" on:click=reload>"Reload"</button>
            <a class="button" href=url.clone() target="_blank" rel="noopener noreferrer">
                "Open in new tab"
            </a>
        </div>
        <iframe
            node_ref=frame
            class="code-frame"
            title="VS Code"
            src=url
            allow="clipboard-read; clipboard-write"
            referrerpolicy="no-referrer"
        ></iframe>
    }
}
