{{/*
Chart name, overridable with nameOverride.
*/}}
{{- define "scim.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: the release name, plus the chart name unless the release name
already contains it. Truncated to 63 characters (the DNS label limit).
*/}}
{{- define "scim.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, as used by the helm.sh/chart label.
*/}}
{{- define "scim.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "scim.labels" -}}
helm.sh/chart: {{ include "scim.chart" . }}
{{ include "scim.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels.
*/}}
{{- define "scim.selectorLabels" -}}
app.kubernetes.io/name: {{ include "scim.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels and selector labels of one component: server (the HTTP replicas), worker or migration.
The component keeps each Deployment's selector, the Service's, and the disruption budgets' apart:
without it the Service would route to worker and migration pods, which do not listen, and the
HPA would average their CPU in. Called with (dict "root" $ "component" "server").
*/}}
{{- define "scim.componentLabels" -}}
{{ include "scim.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "scim.componentSelectorLabels" -}}
{{ include "scim.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
Names of the worker Deployment and of the migration Job (and its hook Secret), kept within 63
characters: a Job's name becomes a label value on its pods.
*/}}
{{- define "scim.workerName" -}}
{{- printf "%s-worker" (include "scim.fullname" . | trunc 56 | trimSuffix "-") }}
{{- end }}

{{- define "scim.migrationName" -}}
{{- printf "%s-migrate" (include "scim.fullname" . | trunc 55 | trimSuffix "-") }}
{{- end }}

{{/*
Name of the Secret holding ADMIN_TOKEN, JWT_SECRET, WEBHOOK_SECRET_ENCRYPTION_KEYS and DATABASE_URL.
*/}}
{{- define "scim.secretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else }}
{{- include "scim.fullname" . }}
{{- end }}
{{- end }}

{{/*
PUBLIC_URL, required.
*/}}
{{- define "scim.publicUrl" -}}
{{- $url := required "publicUrl is required: the absolute http(s) URL clients reach the service at, e.g. --set publicUrl=https://scim.example.com" .Values.publicUrl }}
{{- if not (regexMatch "^https?://[^\\s?#]+$" $url) }}
{{- fail (printf "publicUrl must be an absolute http(s) URL without query or fragment, got %q" $url) }}
{{- end }}
{{- trimSuffix "/" $url }}
{{- end }}

{{/*
terminationGracePeriodSeconds: the preStop sleep, plus SHUTDOWN_TIMEOUT_MS rounded up to whole
seconds, plus a margin, so Kubernetes never kills a pod that is still finishing requests.
*/}}
{{- define "scim.terminationGracePeriodSeconds" -}}
{{- $shutdown := div (add (int64 .Values.shutdownTimeoutMs) 999) 1000 }}
{{- add (int64 .Values.preStopSleepSeconds) $shutdown 10 }}
{{- end }}

{{/*
The same for a worker: no Service routes to it, so no preStop sleep; deliveries under way get
SHUTDOWN_TIMEOUT_MS to finish (src/worker.ts).
*/}}
{{- define "scim.workerTerminationGracePeriodSeconds" -}}
{{- add (div (add (int64 .Values.shutdownTimeoutMs) 999) 1000) 10 }}
{{- end }}

{{/*
The data of the Secret with ADMIN_TOKEN, JWT_SECRET, DATABASE_URL and
WEBHOOK_SECRET_ENCRYPTION_KEYS, validated. Both the release's Secret and the migration hook's
copy use it, so the two can never disagree.
*/}}
{{- define "scim.secretData" -}}
{{- $adminToken := required "adminToken is required when existingSecret is empty (at least 16 characters, no whitespace)" .Values.adminToken }}
{{- $jwtSecret := required "jwtSecret is required when existingSecret is empty (at least 32 characters, shared by every replica)" .Values.jwtSecret }}
{{- $databaseUrl := required "databaseUrl is required when existingSecret is empty (postgres://user:password@host:5432/database)" .Values.databaseUrl }}
{{- $webhookKeys := required "webhookSecretEncryptionKeys is required when existingSecret is empty (keyId:base64 of 32 random bytes, comma-separated)" .Values.webhookSecretEncryptionKeys }}
{{- range $key, $value := dict "adminToken" $adminToken "jwtSecret" $jwtSecret "databaseUrl" $databaseUrl "webhookSecretEncryptionKeys" $webhookKeys }}
{{- if not (kindIs "string" $value) }}
{{- fail (printf "%s must be a string: quote it in the values file or pass it with --set-string" $key) }}
{{- end }}
{{- end }}
{{- if lt (len $adminToken) 16 }}
{{- fail "adminToken must be at least 16 characters long" }}
{{- end }}
{{- if regexMatch "\\s" $adminToken }}
{{- fail "adminToken must not contain whitespace" }}
{{- end }}
{{- if lt (len $jwtSecret) 32 }}
{{- fail "jwtSecret must be at least 32 characters long" }}
{{- end }}
{{- if not (regexMatch "^postgres(ql)?://" $databaseUrl) }}
{{- fail "databaseUrl must be a postgres:// or postgresql:// URL" }}
{{- end }}
{{- /* The service checks each key's length at start; the chart only checks the shape, never printing a key. */}}
{{- if not (regexMatch "^\\s*[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_-]+={0,2}\\s*(,\\s*[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_-]+={0,2}\\s*)*$" $webhookKeys) }}
{{- fail "webhookSecretEncryptionKeys must be keyId:base64key entries separated by commas" }}
{{- end -}}
ADMIN_TOKEN: {{ $adminToken | b64enc | quote }}
JWT_SECRET: {{ $jwtSecret | b64enc | quote }}
DATABASE_URL: {{ $databaseUrl | b64enc | quote }}
WEBHOOK_SECRET_ENCRYPTION_KEYS: {{ $webhookKeys | b64enc | quote }}
{{- end }}

{{/*
minAvailable or maxUnavailable of a PodDisruptionBudget: exactly one of the two (an integer or a
percentage such as "50%"). Called with (dict "budget" .Values.podDisruptionBudget "path" "podDisruptionBudget").
*/}}
{{- define "scim.disruptionBudget" -}}
{{- $min := .budget.minAvailable }}
{{- $max := .budget.maxUnavailable }}
{{- $hasMin := not (or (kindIs "invalid" $min) (eq (toString $min) "")) }}
{{- $hasMax := not (or (kindIs "invalid" $max) (eq (toString $max) "")) }}
{{- if eq $hasMin $hasMax }}
{{- fail (printf "%s: set exactly one of minAvailable and maxUnavailable" .path) }}
{{- end }}
{{- if $hasMin -}}
minAvailable: {{ if kindIs "string" $min }}{{ $min | quote }}{{ else }}{{ int64 $min }}{{ end }}
{{- else -}}
maxUnavailable: {{ if kindIs "string" $max }}{{ $max | quote }}{{ else }}{{ int64 $max }}{{ end }}
{{- end }}
{{- end }}

{{/*
The egress every pod of the release needs: the cluster's DNS and the database. Webhook egress is
added by the policies of the pods that deliver.
*/}}
{{- define "scim.baseEgress" -}}
{{- $np := .Values.networkPolicy }}
{{- if not $np.database.to }}
{{- fail "networkPolicy.database.to is required when networkPolicy.enabled: the database as NetworkPolicy peers, e.g. [{ipBlock: {cidr: 10.0.5.10/32}}] or [{namespaceSelector: ..., podSelector: ...}]" }}
{{- end -}}
- to:
    {{- toYaml $np.dns.to | nindent 4 }}
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
- to:
    {{- toYaml $np.database.to | nindent 4 }}
  ports:
    - port: {{ int64 $np.database.port }}
      protocol: TCP
{{- end }}

{{/*
Egress to webhook receivers. The except list mirrors the addresses src/events/target-guard.ts
refuses to deliver to, and like the service it is dropped when webhooks.allowPrivateTargets is
true, so the network never blocks what the service was told to allow.
*/}}
{{- define "scim.webhookEgress" -}}
{{- $wh := .Values.networkPolicy.webhooks -}}
- to:
    - ipBlock:
        cidr: {{ $wh.cidr }}
        {{- if and $wh.except (not .Values.webhooks.allowPrivateTargets) }}
        except:
          {{- toYaml $wh.except | nindent 10 }}
        {{- end }}
  ports:
    {{- range $wh.ports }}
    - port: {{ int64 . }}
      protocol: TCP
    {{- end }}
{{- with $wh.extraEgress }}
{{ toYaml . }}
{{- end }}
{{- end }}
