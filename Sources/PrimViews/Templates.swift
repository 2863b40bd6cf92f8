import Mustache

/// The status pages' Mustache templates. Every value is written with a double-mustache tag, which
/// escapes HTML; no template uses the triple mustache or the ampersand tag, which do not (a test
/// reads this file).
enum Templates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in [("head", head), ("foot", foot), ("host", host), ("prs", prs)] {
            // The templates are constants of this file: a parse error is a bug caught by every test.
            try! library.register(text, named: name)
        }
        return library
    }()

    static let head = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="refresh" content="{{refreshSeconds}}">
        <title>{{title}}</title>
        <style>
        body { font: 14px/1.45 system-ui, sans-serif; margin: 0; color: #1b1f24; background: #f6f7f9; }
        header { background: #1b1f24; color: #fff; padding: 12px 24px; display: flex; gap: 16px; align-items: baseline; }
        header h1 { font-size: 18px; margin: 0; }
        header .meta { color: #b8c0cc; font-size: 12px; }
        main { padding: 16px 24px; max-width: 1400px; }
        section { background: #fff; border: 1px solid #d9dee5; border-radius: 6px; margin-bottom: 16px; }
        section h2 { font-size: 15px; margin: 0; padding: 10px 14px; border-bottom: 1px solid #e5e8ec; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 7px 14px; border-bottom: 1px solid #eef0f3; vertical-align: top; }
        th { font-size: 12px; color: #5b6573; font-weight: 600; }
        td.small, .small { font-size: 12px; color: #5b6573; }
        code { font: 12px ui-monospace, monospace; background: #f0f2f5; padding: 1px 4px; border-radius: 3px; }
        .badge { display: inline-block; border-radius: 10px; padding: 1px 8px; font-size: 12px; font-weight: 600; }
        .ok { background: #dcf5e3; color: #116329; }
        .bad { background: #ffe0e0; color: #a40e26; }
        .warn { background: #fff1c2; color: #7a4d00; }
        .none { background: #eceff3; color: #5b6573; }
        p.empty { padding: 10px 14px; margin: 0; color: #5b6573; }
        ul.plain { margin: 0; padding-left: 16px; }
        </style>
        </head>
        <body>
        <header><h1>{{title}}</h1><span class="meta">{{subtitle}} · refreshed every {{refreshSeconds}} s · {{generatedAt}}</span></header>
        <main>
        """

    static let foot = """
        </main>
        </body>
        </html>
        """

    static let host = """
        {{> head}}
        {{#suspended}}<section id="suspended"><h2><span class="badge warn">Suspended</span> {{suspended}}</h2></section>{{/suspended}}
        <section id="conditions">
        <h2>Controller</h2>
        {{#empty(conditions)}}<p class="empty">primd has not reported yet.</p>{{/empty(conditions)}}
        <table>
        {{^empty(conditions)}}<tr><th>Condition</th><th>Status</th><th>Reason</th><th>Message</th><th>Since</th></tr>{{/empty(conditions)}}
        {{#conditions}}<tr class="condition" data-type="{{type}}"><td>{{type}}</td><td><span class="badge {{tone}}">{{status}}</span></td><td>{{reason}}</td><td>{{message}}</td><td class="small">{{since}}</td></tr>
        {{/conditions}}
        <tr><td>Applied</td><td colspan="4"><code>{{applied}}</code></td></tr>
        <tr><td>Attempted</td><td colspan="4"><code>{{attempted}}</code>{{#lastAttemptError}} — {{lastAttemptError}}{{/lastAttemptError}}</td></tr>
        </table>
        </section>
        <section id="prims">
        <h2>Prims</h2>
        {{#empty(prims)}}<p class="empty">No prim is deployed on this host.</p>{{/empty(prims)}}
        {{^empty(prims)}}
        <table>
        <tr><th>Prim</th><th>Health</th><th>Unit</th><th>Serving</th><th>Release</th><th>Names</th><th>Desired</th></tr>
        {{#prims}}<tr class="prim" data-prim="{{id}}">
        <td><strong>{{title}}</strong>{{#description}}<div class="small description">{{description}}</div>{{/description}}</td>
        <td><span class="badge health {{tone}}">{{health}}</span><div class="small">{{message}}</div>{{#rolledBackTo}}<div><span class="badge warn rolled-back">rolled back to {{rolledBackTo}}</span></div>{{/rolledBackTo}}</td>
        <td><code>{{unit}}</code></td>
        <td class="small">{{serving}}</td>
        <td><code>{{release}}</code></td>
        <td>{{#names}}<div><code>{{.}}</code></div>{{/names}}{{#routes}}<div class="small route">{{mark}} {{route}}: {{message}}</div>{{/routes}}</td>
        <td class="small">{{desired}}</td>
        </tr>
        {{/prims}}
        </table>
        {{/empty(prims)}}
        </section>
        {{^empty(blocked)}}
        <section id="blocked">
        <h2>Blocked</h2>
        <table>
        <tr><th>Prim</th><th>Missing</th><th>Why</th><th>What fixes it</th></tr>
        {{#blocked}}<tr class="blocked" data-prim="{{prim}}"><td>{{prim}}</td><td>{{#missing}}<code>{{.}}</code> {{/missing}}</td><td>{{message}}</td><td>{{#fixes}}<div><code>{{.}}</code></div>{{/fixes}}</td></tr>
        {{/blocked}}
        </table>
        </section>
        {{/empty(blocked)}}
        <section id="generations">
        <h2>Last applies</h2>
        {{#empty(generations)}}<p class="empty">No apply is recorded yet.</p>{{/empty(generations)}}
        {{^empty(generations)}}
        <table>
        <tr><th>Generation</th><th>Outcome</th><th>Revision</th><th>Finished</th><th>Took</th><th>Changes</th><th>What</th></tr>
        {{#generations}}<tr class="generation" data-number="{{number}}"><td>{{number}}</td><td><span class="badge {{tone}}">{{outcome}}</span></td><td><code>{{revision}}</code></td><td class="small">{{finished}}</td><td class="small">{{duration}}</td><td>{{changes}}</td><td class="small">{{subject}}{{#errors}}<div>{{.}}</div>{{/errors}}</td></tr>
        {{/generations}}
        </table>
        {{/empty(generations)}}
        </section>
        <section id="drift">
        <h2>Drift</h2>
        {{#empty(drift)}}<p class="empty">No drift found since primd started.</p>{{/empty(drift)}}
        {{^empty(drift)}}<table><tr><th>Resource</th><th>Times corrected or reported</th></tr>
        {{#drift}}<tr><td><code>{{resource}}</code></td><td>{{count}}</td></tr>
        {{/drift}}</table>{{/empty(drift)}}
        </section>
        {{^empty(fleet)}}<section id="fleet">
        <h2>Fleet</h2>
        <table><tr><th>Host</th><th>primd</th><th>Revision</th><th>Prims</th><th></th></tr>
        {{#fleet}}<tr class="fleet-host" data-host="{{host}}"><td><strong>{{host}}</strong></td><td><span class="badge {{tone}}">{{state}}</span></td><td><code>{{revision}}</code></td><td>{{prims}}</td><td class="small">{{#notes}}<div>{{.}}</div>{{/notes}}</td></tr>
        {{/fleet}}</table>
        </section>{{/empty(fleet)}}
        {{> foot}}
        """

    static let prs = """
        {{> head}}
        <section id="prs">
        <h2>Pull requests</h2>
        {{#empty(prs)}}<p class="empty">No pull request yet.</p>{{/empty(prs)}}
        {{^empty(prs)}}
        <table>
        <tr><th>#</th><th>Title</th><th>State</th><th>Checks</th><th>Approvals</th><th>Deployment</th><th>Updated</th></tr>
        {{#prs}}<tr class="pr" data-number="{{number}}">
        <td>{{number}}</td>
        <td><strong>{{title}}</strong><div class="small">by <code>{{author}}</code> · {{#prims}}<code>{{.}}</code> {{/prims}}</div></td>
        <td><span class="badge {{stateTone}}">{{state}}</span>{{#mergeProblem}}<div class="small">{{mergeProblem}}</div>{{/mergeProblem}}</td>
        <td>{{#checks}}<div class="check" data-check="{{name}}"><span class="badge {{tone}}">{{status}}</span> {{name}} <span class="small">{{summary}}</span></div>{{/checks}}</td>
        <td class="small">{{approval}}</td>
        <td>{{#deployment}}<span class="badge {{tone}}">{{state}}</span><div class="small">{{message}}</div>{{/deployment}}</td>
        <td class="small">{{updated}}</td>
        </tr>
        {{/prs}}
        </table>
        {{/empty(prs)}}
        </section>
        {{> foot}}
        """
}

/// Renders a page's view (a struct whose stored properties the template names) with one of the
/// templates (`host`, `prs`).
public enum Page {
    public static func render(_ view: Any, template: String) -> String {
        Templates.library.render(view, withTemplate: template) ?? ""
    }
}
