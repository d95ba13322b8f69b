{{/* Names, labels and shared values of the aether chart. */}}

{{- define "aether.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "aether.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "aether.labels" -}}
{{ include "aether.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "aether.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "aether.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding credentials: the chart's or the operator's. */}}
{{- define "aether.credentialsSecret" -}}
{{- default (include "aether.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* The Secret with the keys aetherd generates for itself (keys.yaml). */}}
{{- define "aether.keysSecret" -}}
{{- printf "%s-keys" (include "aether.fullname" .) -}}
{{- end -}}

{{- define "aether.agentServer" -}}
{{- default (printf "http://%s.%s.svc:%d" (include "aether.fullname" .) .Release.Namespace (int .Values.service.port)) .Values.apps.agentServer -}}
{{- end -}}

{{/* Fails the render on combinations that cannot work. */}}
{{- define "aether.validate" -}}
{{- $mode := .Values.storage.mode -}}
{{- if not (has $mode (list "embedded" "external")) -}}
{{- fail (printf "storage.mode must be embedded or external, not %q" $mode) -}}
{{- end -}}
{{- if and (eq $mode "embedded") (gt (int .Values.replicaCount) 1) -}}
{{- fail "storage.mode=embedded keeps SQLite on one volume: replicaCount must be 1 (use storage.mode=external to scale out)" -}}
{{- end -}}
{{- if and (eq $mode "external") (not .Values.secrets.existingSecret) (not .Values.storage.database.url) -}}
{{- fail "storage.mode=external needs storage.database.url (or secrets.existingSecret with DATABASE_URL)" -}}
{{- end -}}
{{- if and (eq $mode "external") (not .Values.storage.s3.bucket) -}}
{{- fail "storage.mode=external needs storage.s3.bucket" -}}
{{- end -}}
{{- if and .Values.ingress.tls.enabled (not .Values.ingress.tls.selfSigned) (not .Values.ingress.tls.secretName) -}}
{{- fail "ingress.tls.enabled needs ingress.tls.secretName or ingress.tls.selfSigned=true" -}}
{{- end -}}
{{- end -}}
