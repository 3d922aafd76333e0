//! The Services panel: hosts, their managed containers as cards, and the audit log.

use leptos::prelude::*;
use leptos::task::spawn_local;
use workbench_services_api::ServicesResponse;

use super::audit_log::AuditLogView;
use super::client;
use super::container_card::{AuditTick, ContainerCard};

#[component]
pub fn ServicesPanel() -> impl IntoView {
    let data = RwSignal::new(None::<Result<ServicesResponse, String>>);
    provide_context(AuditTick(RwSignal::new(0)));
    Effect::new(move |_| {
        spawn_local(async move {
            data.try_set(Some(client::overview().await));
        });
    });
    view! {
        <section class="services-panel" aria-labelledby="services-title">
            <header class="section-head">
                <h2 id="services-title">"Services"</h2>
                <span class="dim">"s6 services inside your managed containers"</span>
            </header>
            {move || match data.get() {
                None => view! { <p class="dim services-loading">"Loading services…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="card-error" role="alert">{e}</p> }.into_any(),
                Some(Ok(res)) => res
                    .hosts
                    .into_iter()
                    .map(|h| {
                        let empty = h.containers.is_empty() && h.error.is_none();
                        view! {
                            <div class="service-host" data-host=h.name.clone()>
                                <h3 class="host-name">{format!("Host: {}", h.name)}</h3>
                                {h.error.map(|e| view! { <p class="card-error stale">{e.message}</p> })}
                                {empty.then(|| view! {
                                    <p class="dim">"No managed containers. Label one "<code>"workbench.services=true"</code>" or list it in docker.containers."</p>
                                })}
                                <div class="service-cards">
                                    {h.containers.into_iter().map(|c| view! { <ContainerCard initial=c /> }).collect_view()}
                                </div>
                            </div>
                        }
                        .into_any()
                    })
                    .collect_view()
                    .into_any(),
            }}
            <AuditLogView />
        </section>
    }
    .into_any()
}
