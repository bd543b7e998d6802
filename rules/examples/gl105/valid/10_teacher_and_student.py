# Distillation: the teacher is in no optimizer, and the loss reaches the student, which is.
import copy

import torch
from torch import nn

student = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 4))
teacher = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 4)).eval()
ema = copy.deepcopy(student)
optimizer = torch.optim.AdamW(student.parameters(), lr=1e-3)


def train(loader):
    for x, y in loader:
        with torch.no_grad():
            soft = teacher(x).softmax(-1)
        logits = student(x)
        loss = nn.functional.cross_entropy(logits, y) - (soft * logits.log_softmax(-1)).sum(-1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            for e, p in zip(ema.parameters(), student.parameters()):
                e.lerp_(p, 0.01)
