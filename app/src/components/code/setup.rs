//! What the Code tab says instead of a broken frame: how to set code-server up, or that
//! the configured one does not answer.

use leptos::prelude::*;

#[component]
pub fn SetupHelp() -> impl IntoView {
    view! {
        <div class="code-setup">
            <h2>"Connect VS Code Server"</h2>
            <p>
                "The Code tab shows a VS Code Server (code-server or openvscode-server) that you run yourself. "
                "Nothing is configured yet."
            </p>
            <ol>
                <li>
                    "Run it, e.g. from "<code>"deploy/compose.yaml"</code>" or "
                    <code>"docker run -p 127.0.0.1:8080:8080 codercom/code-server --auth none"</code>"."
                </li>
                <li>
                    "Give it an address your browser can open: a Cloudflare Tunnel hostname behind Access "
                    "(allow the Access application to be framed), or "<code>"http://127.0.0.1:8080"</code>" locally."
                </li>
                <li>
                    "Set it in "<code>"workbench.toml"</code>": "
                    <pre>"[code]\nurl = \"https://code.example.com/\""</pre>
                    "or in the environment: "<code>"WORKBENCH_CODE__URL=https://code.example.com/"</code>
                    ", and restart Workbench. Only http and https addresses are accepted."
                </li>
            </ol>
        </div>
    }
}

#[component]
pub fn Unreachable(url: String, on_retry: Callback<()>, on_force: Callback<()>) -> impl IntoView {
    view! {
        <div class="code-setup" role="alert">
            <h2>"code-server does not answer"</h2>
            <p>
                "Workbench could not reach "<code>{url}</code>
                ". Check that the container or service is running and that the address in "
                <code>"code.url"</code>" is right."
            </p>
            <p class="code-actions">
                <button type="button" class="button" on:click=move |_| on_retry.run(())>"Try again"</button>
                <button type="button" class="button" on:click=move |_| on_force.run(())>"Show it anyway"</button>
            </p>
        </div>
    }
}
