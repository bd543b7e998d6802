# A DQN's target network is synced and put in eval mode every N steps on purpose: no
# optimizer holds its parameters and nothing ever trains it.
import torch
from torch import nn


def make_q_network(n_actions):
    return nn.Sequential(nn.Linear(4, 64), nn.Dropout(0.1), nn.Linear(64, n_actions))


def train(q_net, target_net, replay, steps, sync_every, gamma=0.99):
    optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-3)
    q_net.train()
    for step in range(steps):
        s, a, r, s2, done = replay.sample(32)
        with torch.no_grad():
            target = r + gamma * (1 - done) * target_net(s2).max(1).values
        q = q_net(s).gather(1, a.unsqueeze(1)).squeeze(1)
        loss = nn.functional.smooth_l1_loss(q, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % sync_every == 0:
            target_net.load_state_dict(q_net.state_dict())
            target_net.eval()
