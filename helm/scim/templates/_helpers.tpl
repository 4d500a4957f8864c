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
