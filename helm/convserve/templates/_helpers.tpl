{{- define "convserve.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "convserve.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "convserve.selectorLabels" -}}
app.kubernetes.io/name: {{ include "convserve.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "convserve.labels" -}}
{{ include "convserve.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "convserve.image" -}}
{{- printf "%s:%s" .Values.imageRepository (default .Chart.AppVersion .Values.imageTag) -}}
{{- end -}}

{{- define "convserve.modelClaim" -}}
{{- default (printf "%s-models" (include "convserve.fullname" .)) .Values.modelPvcExistingClaim -}}
{{- end -}}
